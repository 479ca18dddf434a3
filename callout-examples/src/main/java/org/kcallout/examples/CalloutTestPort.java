package org.kcallout.examples;

// README:begin callout-test
import java.util.concurrent.atomic.AtomicInteger;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.KMutex;
import org.kcallout.wheel.CalloutWheel;
import org.kcallout.wheel.clock.ConcurrentVirtualClock;

/** FreeBSD's sys/tests/callout_test, test 1: one callout per CPU, async drain against the running handlers. */
public final class CalloutTestPort {
    public static String run(int ncpus) {
        ConcurrentVirtualClock vt = new ConcurrentVirtualClock();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(ncpus).clock(vt).build()) {
            KMutex lock = new KMutex("callouttest");
            Callout[] co = new Callout[ncpus];
            AtomicInteger waiting = new AtomicInteger(), bailed = new AtomicInteger(),
                    completed = new AtomicInteger(), drainCalls = new AtomicInteger();
            int zero = 0, nonZero = 0;
            CalloutFunc<Object> testCallout = arg -> {
                Callout c = co[sys.curcpu()];
                waiting.incrementAndGet();
                lock.lock();                                     // waits: the test holds it
                if (c.pending() || !c.active()) {
                    bailed.incrementAndGet();                    // the drain cleared ACTIVE
                } else {
                    c.deactivate();
                    completed.incrementAndGet();
                }
                lock.unlock();
                waiting.decrementAndGet();
            };
            for (int i = 0; i < ncpus; i++) {
                co[i] = new Callout();
                sys.init(co[i], true);                           // callout_init(c, CALLOUT_MPSAFE)
            }
            lock.lock();
            for (int i = 0; i < ncpus; i++) {
                sys.resetSbtOn(co[i], 3, 0, testCallout, null, i, 0);
            }
            vt.advanceTicks(2);                  // every CPU runs its handler; each waits for lock
            for (Callout c : co) {
                if (sys.asyncDrain(c, arg -> drainCalls.incrementAndGet()) != 0) {
                    nonZero++;
                } else {
                    zero++;                                      // running: drained later
                }
            }
            lock.unlock();
            vt.advance(0);                       // returns once the handlers and drains are done
            return "waiting " + waiting + ", zero " + zero + ", non-zero " + nonZero + ", bailed " + bailed
                    + ", completed " + completed + ", drain calls " + drainCalls;
        }
    }
}
// README:end callout-test
