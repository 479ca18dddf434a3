package org.kcallout.examples;

// README:begin driver-detach
import org.kcallout.Callout;
import org.kcallout.KMutex;
import org.kcallout.wheel.CalloutWheel;
import org.kcallout.wheel.clock.VirtualTicklessClock;

/** A NIC driver's tick and watchdog callouts, and the detach that must leave neither running. */
public final class DriverDetach {
    static final class Softc {
        final KMutex mtx = new KMutex("xx0");
        final Callout tick = new Callout();
        final Callout watchdog = new Callout();
        int ticks, timeouts;
    }

    static void xxTick(Softc sc, CalloutWheel sys) {             // runs with sc.mtx held
        sc.ticks++;
        sys.reset(sc.tick, sys.hz(), s -> xxTick(s, sys), sc);   // once a second, forever
    }

    static void xxWatchdog(Softc sc) {                           // runs with sc.mtx held
        sc.timeouts++;                                           // the hardware stopped talking
    }

    public static String run() {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        try (CalloutWheel sys = CalloutWheel.builder().clock(vt).build()) {
            Softc sc = new Softc();
            sys.initLock(sc.tick, sc.mtx, 0);                    // attach
            sys.initLock(sc.watchdog, sc.mtx, 0);
            sc.mtx.lock();
            sys.reset(sc.tick, sys.hz(), s -> xxTick(s, sys), sc);
            sys.reset(sc.watchdog, 5 * sys.hz(), DriverDetach::xxWatchdog, sc);
            sc.mtx.unlock();

            vt.advanceTicks(3 * sys.hz() + 100);                 // traffic: the watchdog is not due yet

            sc.mtx.lock();                                       // detach
            int tickStop = sys.stop(sc.tick);                    // 1: both still pending
            int watchdogStop = sys.stop(sc.watchdog);
            sc.mtx.unlock();
            sys.drain(sc.tick);                                  // nothing runs after this
            sys.drain(sc.watchdog);
            vt.advanceTicks(10 * sys.hz());                      // and nothing fires later
            return "ticks " + sc.ticks + ", timeouts " + sc.timeouts + ", stops " + tickStop + " " + watchdogStop
                    + ", pending " + (sc.tick.pending() || sc.watchdog.pending());
        }
    }
}
// README:end driver-detach
