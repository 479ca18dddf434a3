package org.kcallout.mdx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.spy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mockito.InOrder;

/**
 * The simulated counter-compare timer on its own: wrap, free-running compare, masking, spies, and
 * the stand-alone form with its own interrupt handler.
 */
final class SimulatedMiTimerTest {
    private final List<Probe> order = new ArrayList<>();

    @Test
    void advance_acrossWrap_countsModuloPeriod() {
        MdxCallouts mdx = new MdxCallouts(1);
        SimulatedMiTimer timer = new SimulatedMiTimer(mdx, 999, 1000, 995);
        timer.advance(10);
        assertEquals(5, timer.count());
        timer.advance(3 * 1000 + 7);
        assertEquals(12, timer.count());
        assertEquals(3017, timer.time());
    }

    @Test
    void compare_notRestarted_matchesAgainEveryPeriodUntilStopped() {
        MdxCallouts mdx = new MdxCallouts(1);
        SimulatedMiTimer timer = new SimulatedMiTimer(mdx, 0xff, 1000);
        mdx.register(timer);
        timer.start(10); // programmed directly: the framework's list is empty, callbacks do nothing
        timer.advance(10);
        assertEquals(1, timer.interrupts());
        assertEquals(256, timer.untilMatch(0));
        timer.advance(3 * 256);
        assertEquals(4, timer.interrupts());
        timer.stop();
        timer.advance(1000);
        assertEquals(4, timer.interrupts());
        assertEquals(-1, timer.untilMatch(0));
    }

    @Test
    void maskedMatch_isDeliveredOnceAtUnmask() {
        MdxCallouts mdx = new MdxCallouts(1);
        SimulatedMiTimer timer = new SimulatedMiTimer(mdx, 0xffff, 1000);
        mdx.register(timer);
        Probe a = new Probe("a", timer::time, order);
        mdx.setTicks(a.c, 10, Probe.FIRE, a);
        timer.maskInterrupts();
        timer.advance(30);
        assertEquals(0, a.fired());
        timer.unmaskInterrupts();
        assertEquals(List.of(30L), a.firedAt);
        assertEquals(1, timer.interrupts());
    }

    @Test
    void twoCpus_matchesAtOneCount_deliveredInCpuOrder() {
        MdxCallouts mdx = new MdxCallouts(2);
        SimulatedMiTimer timer = new SimulatedMiTimer(mdx, 0xffff, 1000);
        mdx.register(timer);
        Probe a = new Probe("a", timer::time, order);
        Probe b = new Probe("b", timer::time, order);
        a.mdx = mdx;
        b.mdx = mdx;
        mdx.bindCurrentThread(1);
        mdx.setTicks(b.c, 20, Probe.FIRE, b);
        mdx.bindCurrentThread(0);
        mdx.setTicks(a.c, 20, Probe.FIRE, a);
        timer.advance(20);
        assertEquals(List.of(a, b), order);
        assertEquals(0, a.cpuAtEntry);
        assertEquals(1, b.cpuAtEntry);
    }

    @Test
    void spy_registeredAndAdvanced_recordsFrameworkCalls() {
        MdxCallouts mdx = new MdxCallouts(1);
        SimulatedMiTimer timer = spy(new SimulatedMiTimer(mdx, 0xffff, 1000));
        mdx.register(timer);
        Probe a = new Probe("a", timer::time, order);
        mdx.setTicks(a.c, 100, Probe.FIRE, a);
        timer.advance(100);
        InOrder io = inOrder(timer);
        io.verify(timer).start(100);
        io.verify(timer).stop();
        assertEquals(List.of(100L), a.firedAt);
    }

    @Test
    void standAlone_withoutHandler_countsAndDropsMatches() {
        SimulatedMiTimer timer = new SimulatedMiTimer(0xff, 1000, 250);
        timer.start(10);
        timer.advance(10);
        assertEquals(1, timer.interrupts());
        assertEquals(4, timer.count()); // 250 + 10 across the wrap of an 8-bit counter
    }

    @Test
    void setInterruptHandler_replacesTheFrameworkCallback() {
        MdxCallouts mdx = new MdxCallouts(1);
        SimulatedMiTimer timer = new SimulatedMiTimer(mdx, 0xffff, 1000);
        mdx.register(timer);
        Probe a = new Probe("a", timer::time, order);
        mdx.setTicks(a.c, 10, Probe.FIRE, a);
        List<Long> matches = new ArrayList<>();
        timer.setInterruptHandler(cpu -> matches.add(timer.time()));
        timer.advance(20);
        assertEquals(List.of(10L), matches);
        assertEquals(0, a.fired(), "mdx_callout_callback was not called");
        timer.setInterruptHandler(null); // back to the framework: the compare matches again a period later
        timer.advance(0x10000);
        assertEquals(1, a.fired());
    }

    @Test
    void advance_fromAConnectedHandler_throws() {
        SimulatedMiTimer timer = new SimulatedMiTimer(0xff, 1000, 0);
        List<Throwable> thrown = new ArrayList<>();
        timer.setInterruptHandler(cpu -> {
            try {
                timer.advance(1);
            } catch (IllegalStateException e) {
                thrown.add(e);
            }
        });
        timer.start(5);
        timer.advance(5);
        assertEquals(1, thrown.size());
    }

    @Test
    void badArguments_throw() {
        MdxCallouts mdx = new MdxCallouts(1);
        assertThrows(IllegalArgumentException.class, () -> new SimulatedMiTimer(mdx, 0, 1000));
        assertThrows(IllegalArgumentException.class, () -> new SimulatedMiTimer(mdx, 0x1_0000_0000L, 1000));
        assertThrows(IllegalArgumentException.class, () -> new SimulatedMiTimer(mdx, 0xff, 1000, 0x100));
        SimulatedMiTimer timer = new SimulatedMiTimer(mdx, 0xff, 1000);
        assertThrows(IllegalArgumentException.class, () -> timer.start(0));
        assertThrows(IllegalArgumentException.class, () -> timer.start(0x100));
        assertThrows(IllegalArgumentException.class, () -> timer.advance(-1));
        assertThrows(IllegalArgumentException.class, () -> new SimulatedMiTimer(0, 1000, 0));
        assertThrows(IllegalArgumentException.class, () -> new SimulatedMiTimer(0xff, 0, 0));
    }
}
