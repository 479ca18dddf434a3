package org.kcallout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.kcallout.internal.CpuRef;
import org.kcallout.internal.Link;
import org.openjdk.jol.info.ClassLayout;
import org.openjdk.jol.vm.VM;
import org.openjdk.jol.vm.VirtualMachine;

/** The size of a pending callout, and that {@link Callout} shows no engine state. */
final class CalloutLayoutTest {

    /** Target of issue 11 (and of SPEC's memory budget): at most 56 bytes per pending callout. */
    @Test
    void instanceSize_withCompressedOops_isAtMost56Bytes() {
        VirtualMachine vm;
        ClassLayout l;
        try {
            vm = VM.current();
            l = ClassLayout.parseClass(Callout.class);
        } catch (RuntimeException | LinkageError e) {
            assumeTrue(false, "JOL cannot determine object layouts on this JVM: " + e);
            return;
        }
        assumeTrue(vm.objectHeaderSize() == 12 && vm.sizeOfField("java.lang.Object") == 4,
                "the 56-byte budget assumes compressed oops and class pointers (a 12-byte header, 4-byte "
                        + "references); this JVM has a " + vm.objectHeaderSize() + "-byte header and "
                        + vm.sizeOfField("java.lang.Object") + "-byte references (-XX:-UseCompressedOops?), "
                        + "so its Callout size is not the one budgeted");
        long size = l.instanceSize();
        String layout = l.toPrintable();
        assertTrue(size <= 56, "a Callout must fit in 56 bytes, got " + size + ":\n" + layout);
    }

    @Test
    void callout_andEverythingItInherits_haveNoPublicOrProtectedMutableField() {
        for (Class<?> k = Callout.class; k != Object.class; k = k.getSuperclass()) {
            for (Field f : k.getDeclaredFields()) {
                int m = f.getModifiers();
                assertTrue(Modifier.isFinal(m) || !(Modifier.isPublic(m) || Modifier.isProtected(m)),
                        k.getSimpleName() + "." + f.getName() + " is a visible mutable field");
            }
        }
    }

    @Test
    void callout_inheritsNoPublicOrProtectedMethodFromTheInternalLink() {
        for (Method m : Link.class.getDeclaredMethods()) {
            int mod = m.getModifiers();
            assertFalse(Modifier.isPublic(mod) || Modifier.isProtected(mod),
                    "Link." + m.getName() + " is visible on every Callout");
        }
        assertEquals(Link.class, Callout.class.getSuperclass());
    }

    /** The bridge is the engine's alone: its package is exported to {@code org.kcallout.wheel} only. */
    @Test
    void moduleInfo_exportsTheInternalPackageToTheEngineOnly() throws Exception {
        Path classes = Path.of(Callout.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path info = classes.resolve("module-info.class");
        assumeTrue(Files.isRegularFile(info), "callout-api is not loaded from a class directory here: " + classes);
        ModuleDescriptor d;
        try (InputStream in = Files.newInputStream(info)) {
            d = ModuleDescriptor.read(in);
        }
        assertEquals("org.kcallout.api", d.name());
        ModuleDescriptor.Exports internal = d.exports().stream()
                .filter(e -> e.source().equals("org.kcallout.internal")).findFirst().orElseThrow();
        assertEquals(Set.of("org.kcallout.wheel"), internal.targets());
        assertTrue(d.opens().isEmpty(), "callout-api opens " + d.opens() + ": Callout's private fields would be reachable");
    }

    @Test
    void cpuRef_isAbstractWithOnlyAProtectedConstructor() {
        assertTrue(Modifier.isAbstract(CpuRef.class.getModifiers()));
        for (Constructor<?> k : CpuRef.class.getDeclaredConstructors()) {
            assertTrue(Modifier.isProtected(k.getModifiers()), "CpuRef constructor " + k + " must be protected");
        }
        for (Field f : CpuRef.class.getDeclaredFields()) {
            assertTrue(Modifier.isFinal(f.getModifiers()), "CpuRef." + f.getName() + " must be final");
        }
    }
}
