package org.kcallout.wheel;

/**
 * The per-CPU softclock thread of a real-time system (FreeBSD main's dedicated callout thread): it
 * sleeps on the CPU's {@code workCv} and runs the expire queue when {@code callout_process} fills it.
 */
final class SoftclockThread extends Thread implements CalloutThread {
    /* Implementation notes: stopping is guarded by the CPU lock: shutdown() sets it and signals under
     * the lock, so the thread cannot miss it between its check and its wait. */

    private final CalloutWheel wheel;
    private final CalloutCpu cc;
    private boolean stopping; // guarded by cc.lock

    SoftclockThread(CalloutWheel wheel, CalloutCpu cc) {
        super("kcallout-softclock-" + cc.cpuId);
        this.wheel = wheel;
        this.cc = cc;
        setDaemon(true);
    }

    @Override
    public void run() {
        cc.lock.lock();
        try {
            while (!stopping) {
                if (cc.expireq.isEmpty()) {
                    cc.workCv.awaitUninterruptibly();
                    continue;
                }
                cc.softclockLocked();
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
    public CalloutWheel wheel() {
        return wheel;
    }

    @Override
    public int cpu() {
        return cc.cpuId;
    }
}
