package org.kcallout.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.kcallout.Callout;
import org.kcallout.CalloutFlags;
import org.kcallout.CalloutFunc;
import org.kcallout.KMutex;

/** The engine's bridge: each accessor reaches the field the public queries report. */
final class CalloutAccessTest {

    @Test
    void fieldAccessors_roundTrip_andMatchThePublicQueries() {
        Callout c = new Callout();
        assertNull(CalloutAccess.ccVolatile(c));
        assertFalse(c.initialized());
        KMutex m = new KMutex("m");
        CalloutFunc<String> f = s -> { };
        CalloutAccess.setTime(c, 123L);
        CalloutAccess.setPrecision(c, Long.MAX_VALUE);
        CalloutAccess.setFuncArg(c, f, "x");
        CalloutAccess.setLock(c, m);
        CalloutAccess.setCcVolatile(c, CpuRef.CPUBLOCK);
        CalloutAccess.setIflagsRelease(c, CalloutFlags.CALLOUT_PENDING | CalloutFlags.CALLOUT_DIRECT);
        CalloutAccess.setFlagsRelease(c, CalloutFlags.CALLOUT_ACTIVE);

        assertEquals(123L, CalloutAccess.time(c));
        assertEquals(123L, c.time());
        assertEquals(Long.MAX_VALUE, CalloutAccess.precision(c));
        assertEquals(Long.MAX_VALUE, c.precision());
        assertSame(f, CalloutAccess.func(c));
        assertSame(f, c.func());
        assertEquals("x", CalloutAccess.arg(c));
        assertEquals("x", c.arg());
        assertSame(m, CalloutAccess.lock(c));
        assertSame(m, c.lock());
        assertSame(CpuRef.CPUBLOCK, CalloutAccess.ccVolatile(c));
        assertEquals(CpuRef.MAXCPU, c.cpu());
        assertTrue(c.pending());
        assertTrue(c.active());
        assertEquals(CalloutFlags.CALLOUT_PENDING | CalloutFlags.CALLOUT_DIRECT, CalloutAccess.iflags(c));
        assertEquals(CalloutAccess.iflags(c), CalloutAccess.iflagsOpaque(c));
        assertEquals(CalloutAccess.iflags(c), c.iflags());
        assertEquals(CalloutFlags.CALLOUT_ACTIVE, CalloutAccess.flags(c));
        assertEquals(CalloutAccess.flags(c), CalloutAccess.flagsOpaque(c));
        c.deactivate();
        assertEquals(0, CalloutAccess.flags(c));
    }

    @Test
    void install_byAnyoneButCallout_isRefused() {
        new Callout(); // Callout has installed its accessors
        CalloutAccess.Fields foreign = (CalloutAccess.Fields) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {CalloutAccess.Fields.class}, (p, m, a) -> null);
        assertThrows(IllegalStateException.class, () -> CalloutAccess.install(foreign));
        assertThrows(IllegalStateException.class, () -> CalloutAccess.install(null));
    }

    @Test
    void iflags_keepsAll16Bits() {
        Callout c = new Callout();
        CalloutAccess.setIflagsRelease(c, 0x8100);
        assertEquals(0x8100, c.iflags());
        assertEquals(0x8100, CalloutAccess.iflags(c) & 0xffff);
    }

    @Test
    void listPrimitives_linkInFifoOrder_andUnlinkToSelf() {
        Link head = CalloutAccess.newList();
        Callout a = new Callout();
        Callout b = new Callout();
        assertTrue(CalloutAccess.isEmpty(head));
        assertTrue(CalloutAccess.isEmpty(a));
        CalloutAccess.addLast(head, a);
        CalloutAccess.addLast(head, b);
        assertSame(a, CalloutAccess.next(head));
        assertSame(b, CalloutAccess.next(a));
        assertSame(head, CalloutAccess.next(b));
        assertSame(b, CalloutAccess.prev(head));
        assertSame(a, CalloutAccess.prev(b));
        CalloutAccess.unlink(a);
        assertTrue(CalloutAccess.isEmpty(a));
        assertSame(a, CalloutAccess.prev(a));
        assertSame(b, CalloutAccess.next(head));
        assertSame(head, CalloutAccess.prev(b));
        CalloutAccess.unlink(b);
        assertTrue(CalloutAccess.isEmpty(head));
        assertSame(head, CalloutAccess.prev(head));
    }
}
