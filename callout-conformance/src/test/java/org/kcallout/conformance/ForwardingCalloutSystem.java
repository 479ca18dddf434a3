package org.kcallout.conformance;

import java.util.concurrent.CompletionStage;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.CalloutLock;
import org.kcallout.CalloutSystem;
import org.kcallout.Profile;
import org.kcallout.When;

/** A {@link CalloutSystem} that forwards every call: the base of the broken systems the kit must kill. */
class ForwardingCalloutSystem implements CalloutSystem {
    final CalloutSystem d;

    ForwardingCalloutSystem(CalloutSystem d) {
        this.d = d;
    }

    @Override public Profile profile() { return d.profile(); }
    @Override public int ncpus() { return d.ncpus(); }
    @Override public int defaultCpu() { return d.defaultCpu(); }
    @Override public int curcpu() { return d.curcpu(); }
    @Override public int hz() { return d.hz(); }
    @Override public long tickSbt() { return d.tickSbt(); }
    @Override public int precExp() { return d.precExp(); }
    @Override public long tickThreshold() { return d.tickThreshold(); }
    @Override public long sbinuptime() { return d.sbinuptime(); }
    @Override public long hardclocktime(int cpu) { return d.hardclocktime(cpu); }
    @Override public int ticks() { return d.ticks(); }
    @Override public CalloutLock giant() { return d.giant(); }
    @Override public void init(Callout c, boolean mpsafe) { d.init(c, mpsafe); }
    @Override public void initLock(Callout c, CalloutLock lock, int flags) { d.initLock(c, lock, flags); }

    @Override
    public <A> int resetSbtOn(Callout c, long sbt, long pr, CalloutFunc<? super A> func, A arg, int cpu, int flags) {
        return d.resetSbtOn(c, sbt, pr, func, arg, cpu, flags);
    }

    @Override public int scheduleSbtOn(Callout c, long sbt, long pr, int cpu, int flags) {
        return d.scheduleSbtOn(c, sbt, pr, cpu, flags);
    }

    @Override public When when(long sbt, long precision, int flags) { return d.when(sbt, precision, flags); }
    @Override public int stop(Callout c) { return d.stop(c); }
    @Override public int drain(Callout c) { return d.drain(c); }
    @Override public <A> int asyncDrain(Callout c, CalloutFunc<? super A> fn) { return d.asyncDrain(c, fn); }
    @Override public CompletionStage<Void> drainAsync(Callout c) { return d.drainAsync(c); }
    @Override public boolean isClosed() { return d.isClosed(); }
    @Override public void close() { d.close(); }
}
