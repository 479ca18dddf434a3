package org.kcallout.mdx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.kcallout.mdx.KernMdx.CALLOUT_STATE_FIRED;
import static org.kcallout.mdx.KernMdx.MDX_EEXIST;
import static org.kcallout.mdx.KernMdx.MDX_OK;
import static org.kcallout.mdx.KernMdx.mdx_callout_callback;
import static org.kcallout.mdx.KernMdx.mdx_callout_cancel;
import static org.kcallout.mdx.KernMdx.mdx_callout_init;
import static org.kcallout.mdx.KernMdx.mdx_callout_register;
import static org.kcallout.mdx.KernMdx.mdx_callout_set;
import static org.kcallout.mdx.KernMdx.mdx_callout_set_ticks;
import static org.kcallout.mdx.KernMdx.mdx_callout_ticks;
import static org.kcallout.mdx.KernMdx.mdx_callout_usec_to_ticks;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The C-named facade delegates to its default framework, with MDEPX's results. */
final class KernMdxTest {
    private final long[] now = {0};
    private final List<Probe> order = new ArrayList<>();
    private MdxCallouts previous;
    private MdxCallouts mdx;

    @BeforeEach
    void setUp() {
        mdx = new MdxCallouts(1);
        previous = KernMdx.setSystem(mdx);
    }

    @AfterEach
    void tearDown() {
        if (previous != null) {
            KernMdx.setSystem(previous);
        }
    }

    /** A C-shaped driver whose interrupt handler calls mdx_callout_callback(&mt). */
    @Test
    void cShapedDriver_armsFiresAndCancelsThroughFacade() {
        MiTimer.Struct<long[]> mt = MiTimer.of(now, (arg, ticks) -> { }, arg -> { }, arg -> arg[0], 0xffff, 1_000_000);
        assertEquals(MDX_OK, mdx_callout_register(mt));
        assertEquals(MDX_EEXIST, mdx_callout_register(mt));
        assertSame(mdx, KernMdx.system());
        Probe a = new Probe("a", () -> now[0], order);
        Probe b = new Probe("b", () -> now[0], order);
        mdx_callout_init(a.c);
        mdx_callout_init(b.c);
        assertEquals(MDX_OK, mdx_callout_set(a.c, 100, Probe.FIRE, a));
        assertEquals(MDX_OK, mdx_callout_set_ticks(b.c, 200, Probe.FIRE, b));
        assertEquals(100, mdx_callout_usec_to_ticks(100));
        now[0] = 40;
        assertEquals(60, mdx_callout_ticks(a.c));

        now[0] = 100;
        assertEquals(MDX_OK, mdx_callout_callback(mt));
        assertEquals(MDX_OK, mdx_callout_cancel(b.c));
        assertEquals(1, mdx_callout_cancel(a.c));

        assertEquals(List.of(a), order);
        assertEquals(CALLOUT_STATE_FIRED, a.c.state());
    }

    @Test
    void callback_forUnregisteredDevice_throws() {
        MiTimer.Struct<Object> mt = MiTimer.of(null, (arg, ticks) -> { }, arg -> { }, arg -> 0L, 0xffff, 1_000_000);
        MiTimer.Struct<Object> other = MiTimer.of(null, (arg, ticks) -> { }, arg -> { }, arg -> 0L, 0xffff, 1_000_000);
        assertThrows(IllegalStateException.class, () -> mdx_callout_callback(mt));
        mdx_callout_register(mt);
        assertThrows(IllegalStateException.class, () -> mdx_callout_callback(other));
    }
}
