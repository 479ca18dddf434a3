package org.kcallout.wheel;

import org.kcallout.CalloutSystem;
import org.kcallout.spi.CalloutSystemProvider;

/** Supplies the default system behind {@code KernTimeout}: a real-time {@link CalloutWheel} with defaults. */
public final class WheelProvider implements CalloutSystemProvider {
    /** Used by {@link java.util.ServiceLoader}. */
    public WheelProvider() {
    }

    @Override
    public CalloutSystem create() {
        return CalloutWheel.builder().build();
    }
}
