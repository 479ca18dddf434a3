package org.kcallout.examples;

// README:begin exact-cancel
import java.util.concurrent.atomic.AtomicInteger;
import org.kcallout.Callout;
import org.kcallout.KMutex;
import org.kcallout.wheel.CalloutWheel;
import org.kcallout.wheel.clock.ConcurrentVirtualClock;

/** SEMANTICS §5.2, forced: callout_stop under the callout's mutex while the dispatcher waits for it. */
public final class ExactCancelRace {
    public static String run() {
        ConcurrentVirtualClock vt = new ConcurrentVirtualClock();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(vt).build()) {
            KMutex m = new KMutex("sc_mtx");
            Callout c = new Callout();
            sys.initLock(c, m, 0);                               // callout_init_mtx(&c, &m, 0)
            AtomicInteger runs = new AtomicInteger();
            m.lock();
            sys.reset(c, 1, AtomicInteger::incrementAndGet, runs);
            vt.advanceTicks(2);                  // the dispatcher took c and now waits for m
            boolean inFlight = !c.pending();                     // dequeued: no longer pending
            int stopped = sys.stop(c);                           // 1: the waiting invocation is cancelled
            m.unlock();
            vt.advance(0);                       // the dispatcher gets m, sees the cancel, skips
            return "in flight " + inFlight + ", stop " + stopped + ", handler runs " + runs;
        }
    }
}
// README:end exact-cancel
