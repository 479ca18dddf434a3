package org.kcallout.bench.peers;

import org.kcallout.Callout;
import org.kcallout.CalloutFlags;
import org.kcallout.CalloutFunc;
import org.kcallout.Sbt;
import org.kcallout.wheel.CalloutWheel;

/**
 * kcallout: a {@link CalloutWheel} with its defaults (MODERN, 1 CPU, hz 1000, 8192 buckets, the
 * real-time event timer with one softclock thread). The timer object is the {@link Callout} itself,
 * initialised MP-safe ({@code callout_init(c, 1)}); arm is {@code callout_reset_sbt(c, sbt, 0, f, c,
 * flags)} with a handler built once, cancel is {@code callout_stop}. Nothing is allocated per arm.
 *
 * <p>Precision: by default the engine's own (5 %: {@code sbt >> tc_precexp}), as a kernel caller
 * gets it; with {@code exact}, {@code C_PREL(63)}, which makes the relative precision
 * {@code sbt >> 63 = 0}, and with {@code pr = 0} the precision is 0 (SPEC §4.3:
 * {@code max(sbt >> prel, pr)}). Delays under {@code sbt_tickthreshold} (16 ms at hz 1000) are then
 * measured from the precise uptime, not the last hardclock.
 */
final class KcalloutPeer implements TimerPeer<Callout> {
    private final CalloutWheel sys;
    private final CalloutFunc<Callout> fire;
    private final int flags;

    KcalloutPeer(Expiry expiry, boolean exact) {
        this.sys = CalloutWheel.builder().build();
        this.fire = expiry::expired; // one object for the peer's lifetime, as a C function pointer
        this.flags = exact ? CalloutFlags.C_PREL(63) : 0;
    }

    @Override
    public String name() {
        return Peers.KCALLOUT;
    }

    @Override
    public Callout newTimer() {
        Callout c = new Callout();
        sys.init(c, true);
        return c;
    }

    @Override
    public void arm(Callout c, long delayNanos) {
        sys.resetSbt(c, Sbt.nstosbt(delayNanos), 0, fire, c, flags);
    }

    @Override
    public void cancel(Callout c) {
        sys.stop(c);
    }

    @Override
    public void close() {
        sys.close();
    }
}
