/**
 * An example storage provider, written as a third party would write one: against the {@code dev.wharf.api} jar
 * alone, as a Declarative Services component. Start with {@link org.example.wharf.memory.MemoryStorageProvider}.
 *
 * <p>Nothing here is exported: a provider bundle offers a service, not packages.
 */
package org.example.wharf.memory;
