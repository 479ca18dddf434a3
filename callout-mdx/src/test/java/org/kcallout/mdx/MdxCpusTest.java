package org.kcallout.mdx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kcallout.CalloutFunc;

/**
 * {@link MdxCpus}: the current CPU (a supplier's answer out of range, a binding refused on a
 * framework with a supplier) and failing handlers reported to the failure hook (SPEC decision 5).
 */
final class MdxCpusTest {
    @Test
    void curcpuSupplier_outOfRange_throwsAndBindingIsRefused() {
        MdxCallouts s = new MdxCallouts(2, () -> 5);
        assertThrows(IllegalStateException.class, s::curcpu);
        assertThrows(IllegalStateException.class, () -> s.bindCurrentThread(1));
    }

    @Test
    void throwingHandler_goesToHookAndBatchGoesOn() {
        MdxCallouts mdx = new MdxCallouts(2);
        SimulatedMiTimer timer = new SimulatedMiTimer(mdx, 0xffff_ffffL, 1_000_000);
        mdx.register(timer);
        List<Throwable> failures = new ArrayList<>();
        List<MdxCallout> failed = new ArrayList<>();
        mdx.failureHook((c, t) -> {
            failed.add(c);
            failures.add(t);
        });
        MdxCallout bad = new MdxCallout();
        CalloutFunc<String> boom = s -> {
            throw new IllegalArgumentException(s);
        };
        Probe after = new Probe("after", timer::time, new ArrayList<>());
        after.mdx = mdx;
        mdx.setTicks(bad, 10, boom, "boom");
        mdx.setTicks(after.c, 10, Probe.FIRE, after);

        timer.advance(10);

        assertEquals(1, failures.size());
        assertEquals("boom", failures.get(0).getMessage());
        assertSame(bad, failed.get(0));
        assertEquals(List.of(10L), after.firedAt);
        assertFalse(mdx.cpu(0).lock.isLocked());
    }
}
