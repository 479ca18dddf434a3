package org.kcallout.bench.peers;

import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Creates the adapters by the names used in {@code @Param} and on command lines. */
public final class Peers {
    private Peers() {
    }

    /** kcallout: {@code CalloutWheel} with the default real-time driver, 1 CPU, 8192 buckets. */
    public static final String KCALLOUT = "kcallout";
    /** Netty {@code HashedWheelTimer}, default 100 ms tick, 512 buckets. */
    public static final String NETTY_100MS = "netty-100ms";
    /** Netty {@code HashedWheelTimer}, 1 ms tick, 512 buckets. */
    public static final String NETTY_1MS = "netty-1ms";
    /** Agrona {@code DeadlineTimerWheel}, owner-polled, 2^20 ns tick, 1024 ticks. */
    public static final String AGRONA = "agrona";
    /** JDK {@code ScheduledThreadPoolExecutor}, 1 thread, cancelled tasks stay queued (the default). */
    public static final String STPE = "stpe";
    /** JDK {@code ScheduledThreadPoolExecutor}, 1 thread, {@code setRemoveOnCancelPolicy(true)}. */
    public static final String STPE_ROC = "stpe-roc";
    /** Kafka {@code SystemTimer} (hierarchical {@code TimingWheel}, 1 ms, 20 buckets) with its reaper thread. */
    public static final String KAFKA = "kafka";
    /** Floor: bare intrusive hashed wheel with one lock and a driver thread. */
    public static final String FLOOR_LOCKED = "floor-locked";
    /** Floor: bare intrusive hashed wheel, no lock, owner-polled. */
    public static final String FLOOR_UNLOCKED = "floor-unlocked";
    /**
     * Floor, locked, with timer nodes of a kcallout {@code Callout}'s size (56 bytes instead of 32):
     * what the locked floor costs over the same heap footprint.
     */
    public static final String FLOOR_LOCKED_56 = "floor-locked-56";
    /**
     * The JDK's {@code ForkJoinPool} as a {@code ScheduledExecutorService} (JDK 25 or later only),
     * one worker.
     */
    public static final String FJP = "fjp";

    /** Every peer, kcallout first, floors last: the order of reports and charts. */
    public static final List<String> ALL = List.of(KCALLOUT, NETTY_100MS, NETTY_1MS, AGRONA, STPE, STPE_ROC, KAFKA,
            FJP, FLOOR_LOCKED, FLOOR_LOCKED_56, FLOOR_UNLOCKED);

    /**
     * {@return the peers this JVM can run, in {@link #ALL} order: all but {@link #FJP} before JDK 25}
     */
    public static List<String> available() {
        if (Runtime.version().feature() >= 25) {
            return ALL;
        }
        return ALL.stream().filter(p -> !p.equals(FJP)).collect(java.util.stream.Collectors.toUnmodifiableList());
    }

    /**
     * Creates and starts a peer.
     *
     * @param name   one of {@link #ALL}
     * @param expiry what a firing does
     * @param exact  ask for precision 0 where the implementation has a notion of precision (only
     *               kcallout: {@code C_PREL(63)}); the others fire at their tick regardless
     * @return the started peer; close it
     * @throws UnsupportedOperationException if the peer needs a later JDK ({@link #FJP} before 25)
     */
    @SuppressWarnings("unchecked")
    public static TimerPeer<Object> create(String name, Expiry expiry, boolean exact) {
        TimerPeer<?> p;
        switch (name) {
            case KCALLOUT:
                p = new KcalloutPeer(expiry, exact);
                break;
            case NETTY_100MS:
                p = new NettyPeer(name, 100, expiry);
                break;
            case NETTY_1MS:
                p = new NettyPeer(name, 1, expiry);
                break;
            case AGRONA:
                p = new AgronaPeer(expiry);
                break;
            case STPE:
                p = new StpePeer(name, false, expiry);
                break;
            case STPE_ROC:
                p = new StpePeer(name, true, expiry);
                break;
            case KAFKA:
                p = new KafkaPeer(expiry);
                break;
            case FJP:
                p = new FjpPeer(expiry);
                break;
            case FLOOR_LOCKED:
                p = new LockedFloorWheel(expiry, false);
                break;
            case FLOOR_LOCKED_56:
                p = new LockedFloorWheel(expiry, true);
                break;
            case FLOOR_UNLOCKED:
                p = new FloorWheel(expiry);
                break;
            default:
                throw new IllegalArgumentException("unknown peer " + name + "; known: " + ALL);
        }
        return (TimerPeer<Object>) p;
    }

    /** @return a thread factory making daemon threads named {@code prefix-N} */
    static ThreadFactory daemons(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.getAndIncrement());
            t.setDaemon(true);
            return t;
        };
    }
}
