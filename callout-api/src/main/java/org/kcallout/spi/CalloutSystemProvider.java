package org.kcallout.spi;

import org.kcallout.CalloutSystem;

/**
 * Supplies the default {@link CalloutSystem} behind {@link org.kcallout.KernTimeout}, found with
 * {@link java.util.ServiceLoader}. The engine module ({@code org.kcallout.wheel}) provides one.
 */
public interface CalloutSystemProvider {
    /**
     * Builds a callout system with default settings, running in real time.
     *
     * @return a new system
     */
    CalloutSystem create();
}
