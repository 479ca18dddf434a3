package org.kcallout.wheel.kern;

/**
 * Test-only access to the engine's package-private state, for the tests in
 * {@code org.kcallout.wheel} that check the wheel's layout (bucket hashing, the sorted-bucket flag).
 */
public final class KernTestAccess {
    /** log2 of the bucket width ({@code CC_HASH_SHIFT} of the 32.32 time). */
    public static final int HASH_SHIFT = CalloutCpu.HASH_SHIFT;

    private KernTestAccess() {
    }

    /** {@return {@code callout_hash(sbt)}: the bucket number before masking} */
    public static int hash(long sbt) {
        return CalloutCpu.hash(sbt);
    }

    /** {@return the lock of CPU {@code cpu} ({@code cc_lock})} */
    public static java.util.concurrent.locks.ReentrantLock cpuLock(CalloutEngine e, int cpu) {
        return e.cpu(cpu).lock;
    }

    /** {@return whether the bucket of time {@code t} on {@code cpu} is marked sorted} */
    public static boolean bucketSorted(CalloutEngine e, int cpu, long t) {
        CalloutCpu cc = e.cpu(cpu);
        cc.lock.lock();
        try {
            return cc.callwheel[cc.bucket(t)].sorted;
        } finally {
            cc.lock.unlock();
        }
    }
}
