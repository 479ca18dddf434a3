package org.kcallout.bench.peers;

import org.apache.kafka.server.util.timer.SystemTimer;
import org.apache.kafka.server.util.timer.SystemTimerReaper;
import org.apache.kafka.server.util.timer.Timer;
import org.apache.kafka.server.util.timer.TimerTask;

/**
 * Kafka's purgatory timer as the broker builds it: a {@link SystemTimer} (hierarchical
 * {@code TimingWheel}, 1 ms tick, 20 buckets per level, a {@code DelayQueue} of buckets, tasks run on
 * a one-thread executor) wrapped in a {@link SystemTimerReaper}, whose thread advances the clock.
 * Resolution is a millisecond: delays are rounded up to whole milliseconds.
 *
 * <p>The timer object holds the current {@link TimerTask}. Kafka's delay is a final field of the
 * task, so re-arming with the same delay re-adds the same task (Kafka then unlinks the old entry),
 * but a new delay needs a new task: an allocation per arm that the API imposes. Every add also
 * allocates a {@code TimerTaskEntry}.
 */
final class KafkaPeer implements TimerPeer<KafkaPeer.Slot> {
    private final Timer timer;
    private final Expiry expiry;

    /** The user's timer object. */
    static final class Slot {
        Task task;
    }

    /** One arm's task: Kafka's delay is per task. */
    final class Task extends TimerTask {
        private final Slot slot;

        Task(long delayMs, Slot slot) {
            super(delayMs);
            this.slot = slot;
        }

        @Override
        public void run() {
            expiry.expired(slot);
        }
    }

    KafkaPeer(Expiry expiry) {
        this.expiry = expiry;
        this.timer = new SystemTimerReaper("kafka-reaper", new SystemTimer("kafka"));
    }

    @Override
    public String name() {
        return Peers.KAFKA;
    }

    @Override
    public Slot newTimer() {
        return new Slot();
    }

    @Override
    public void arm(Slot s, long delayNanos) {
        long ms = (delayNanos + 999_999) / 1_000_000;
        Task t = s.task;
        if (t == null || t.delayMs != ms) {
            if (t != null) {
                t.cancel();
            }
            t = new Task(ms, s);
            s.task = t;
        }
        timer.add(t);
    }

    @Override
    public void cancel(Slot s) {
        Task t = s.task;
        if (t != null) {
            t.cancel();
        }
    }

    @Override
    public void close() {
        try {
            timer.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing Kafka's SystemTimerReaper", e);
        }
    }
}
