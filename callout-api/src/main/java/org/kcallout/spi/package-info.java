/**
 * Service-provider interface: how the C-named facade finds an engine without depending on one.
 * An implementation registers a {@link org.kcallout.spi.CalloutSystemProvider} with
 * {@code provides} in its module descriptor (and {@code META-INF/services} for the class path).
 */
package org.kcallout.spi;
