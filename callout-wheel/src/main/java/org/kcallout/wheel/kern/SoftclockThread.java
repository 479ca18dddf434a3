package org.kcallout.wheel.kern;

import static org.kcallout.internal.CalloutAccess.isEmpty;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import org.kcallout.wheel.seam.ClockPort;
import org.kcallout.wheel.seam.CpuThread;

/**
 * The per-CPU softclock thread (FreeBSD main's dedicated callout thread), started for a clock that
 * does not run softclock itself (an eventtimers(9) clock on a real-time driver): it sleeps on the
 * CPU's {@code workCv} and runs the expire queue when {@code callout_process} fills it.
 */
final class SoftclockThread extends Thread implements CpuThread {
    /* Implementation notes: stopping is guarded by the CPU lock (written and read under it), so the
     * thread cannot miss it between its check and its wait. */

    private final ClockPort clock;
    private final CalloutCpu cc;
    @GuardedBy("cc.lock")
    private boolean stopping; // guarded by cc.lock

    SoftclockThread(ClockPort clock, CalloutCpu cc) {
        super("kcallout-softclock-" + cc.cpuId);
        this.clock = clock;
        this.cc = cc;
        setDaemon(true);
    }

    @Override
    public void run() {
        cc.lock.lock();
        try {
            while (!stopping) {
                if (!isEmpty(cc.expireq)) {
                    cc.softclockLocked();
                } else {
                    cc.workCv.awaitUninterruptibly();
                }
            }
        } finally {
            cc.lock.unlock();
        }
    }

    void shutdown() {
        cc.lock.lock();
        try {
            stopping = true;
            cc.workCv.signalAll();
        } finally {
            cc.lock.unlock();
        }
    }

    @Override
    public ClockPort clockPort() {
        return clock;
    }

    @Override
    public int cpu() {
        return cc.cpuId;
    }
}
