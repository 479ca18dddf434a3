package org.kcallout.wheel.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link HandlerGate}: holding, releasing, and {@link HandlerGate#isHeld(Thread)}. */
final class HandlerGateTest {
    private static final Duration SAFETY = Duration.ofSeconds(60);

    @Test
    void isHeld_trueWhileAThreadWaitsAtAClosedGate_falseOnceOpened() throws InterruptedException {
        HandlerGate gate = new HandlerGate();
        Thread t = new Thread(gate::enter, "held");
        assertFalse(HandlerGate.isHeld(t), "not started");
        t.start();
        assertTrue(gate.awaitEntered(SAFETY), "entered");
        assertTrue(HandlerGate.isHeld(t), "held at the closed gate");
        assertFalse(HandlerGate.isHeld(Thread.currentThread()), "the test thread is at no gate");
        gate.open();
        t.join(TimeUnit.SECONDS.toMillis(SAFETY.toSeconds()));
        assertFalse(t.isAlive(), "let go");
        assertFalse(HandlerGate.isHeld(t), "no longer held");
    }

    @Test
    void openBeforeEnter_letsTheNextHandlerThrough() {
        HandlerGate gate = new HandlerGate();
        gate.open();
        gate.enter(); // returns at once: one open per enter
        assertTrue(gate.awaitEntered(SAFETY));
        assertFalse(HandlerGate.isHeld(Thread.currentThread()));
    }

    @Test
    void awaitEntered_rejectsNull() {
        assertThrows(IllegalArgumentException.class, () -> new HandlerGate().awaitEntered(null));
    }
}
