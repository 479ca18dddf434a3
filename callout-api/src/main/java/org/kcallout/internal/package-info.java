/**
 * Internal to kcallout: the fields of {@code struct callout} that the engine owns, the intrusive
 * list node and the per-CPU reference. Exported only to the engine module ({@code org.kcallout.wheel});
 * nothing here is API and any of it may change.
 *
 * <p>Memory-ordering legend for accessor names: {@code xxxOpaque()} is a racy read that the JIT may
 * not hoist out of a loop; {@code setXxxRelease()} publishes a write made under a lock; plain field
 * access is used only under the guard named in each field's comment.
 */
package org.kcallout.internal;
