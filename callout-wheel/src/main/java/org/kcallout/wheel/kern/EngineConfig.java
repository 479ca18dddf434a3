package org.kcallout.wheel.kern;

import org.kcallout.HandlerFailureHook;
import org.kcallout.Profile;
import org.kcallout.wheel.testing.CalloutObserver;

/**
 * The configuration of one {@link CalloutEngine}, as the public builder collected and checked it
 * (FreeBSD's boot-time tunables: {@code hz}, {@code ncallout}, {@code kern.timecounter.alloweddeviation}).
 *
 * @param profile                 the semantics profile
 * @param ncpus                   the number of CPUs
 * @param defaultCpu              {@code cc_default_cpu}
 * @param hz                      the requested hardclock rate (the clock may round it)
 * @param callwheelSize           buckets per CPU, a power of two
 * @param scanBatch               most callouts one {@code callout_process} expires per hold of the CPU lock
 * @param allowedDeviationPercent {@code kern.timecounter.alloweddeviation}
 * @param failureHook             where a handler's exception goes, or null to log it
 * @param observer                test observer of waits, or null
 */
public record EngineConfig(Profile profile, int ncpus, int defaultCpu, int hz, int callwheelSize, int scanBatch,
                           int allowedDeviationPercent, HandlerFailureHook failureHook, CalloutObserver observer) {
}
