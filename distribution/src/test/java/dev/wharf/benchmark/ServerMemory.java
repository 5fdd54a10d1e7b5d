package dev.wharf.benchmark;

import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * The Wharf server's memory while it takes uploads: its PSS and RSS from {@code /proc} (free to read, nothing in the
 * server changes), and its live heap through the JVM's management interface (the attach API starts the local
 * management agent in the server; a reading is a full collection, so it is taken only where stated).
 */
final class ServerMemory {

    private static final double MIB = 1 << 20;

    private ServerMemory() {
    }

    /** One memory measurement of {@code uploads} uploads at once: before them and the highest while they ran. */
    record Reading(int uploads, double pssBefore, double pssPeak, double rssBefore, double rssPeak,
            double heapBefore, double heapPeak) {

        double pssPerUpload() {
            return (pssPeak - pssBefore) / uploads;
        }

        double rssPerUpload() {
            return (rssPeak - rssBefore) / uploads;
        }

        /** NaN when the heap was not read. */
        double heapPerUpload() {
            return (heapPeak - heapBefore) / uploads;
        }
    }

    /** Resident set size of the process, MiB (VmRSS: every page it maps, shared ones whole). */
    static double rssMib(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException gone) {
            // ended meanwhile
        }
        return Double.NaN;
    }

    /** The server JVM's heap, read over JMX from the management agent the attach API starts in it. */
    static final class Heap implements AutoCloseable {
        private final JMXConnector connector;
        private final MemoryMXBean memory;

        private Heap(JMXConnector connector, MemoryMXBean memory) {
            this.connector = connector;
            this.memory = memory;
        }

        /** Attaches to the JVM {@code pid} (same user); the agent's own threads and heap count from now on. */
        static Heap attach(long pid) throws Exception {
            VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
            String address;
            try {
                address = vm.startLocalManagementAgent();
            } finally {
                vm.detach();
            }
            JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address));
            return new Heap(connector, ManagementFactory.newPlatformMXBeanProxy(
                    connector.getMBeanServerConnection(), ManagementFactory.MEMORY_MXBEAN_NAME, MemoryMXBean.class));
        }

        /** The live heap, MiB: a full collection, then the heap used. */
        double liveMib() throws IOException {
            memory.gc();
            return memory.getHeapMemoryUsage().getUsed() / MIB;
        }

        @Override
        public void close() throws IOException {
            connector.close();
        }
    }

    /**
     * Samples the server's PSS and RSS every 100 ms (and its live heap every 500 ms, when given one) from its start
     * to {@link #stop}, and keeps the highest of each. The figures before are read at the start: PSS and RSS first,
     * then the heap, so that a collection that gives memory back to the system does not lower the baseline.
     */
    static final class Sampler {
        private final Servers.Server server;
        private final Heap heap;
        private final int uploads;
        private final double pssBefore;
        private final double rssBefore;
        private final double heapBefore;
        private final Thread thread;
        private volatile boolean running = true;
        private double pssPeak;
        private double rssPeak;
        private double heapPeak = Double.NaN;
        private Exception failure;

        private Sampler(Servers.Server server, Heap heap, int uploads) throws IOException {
            this.server = server;
            this.heap = heap;
            this.uploads = uploads;
            long pid = server.process().pid();
            pssBefore = server.pssMib();
            rssBefore = rssMib(pid);
            heapBefore = heap == null ? Double.NaN : heap.liveMib();
            pssPeak = pssBefore;
            rssPeak = rssBefore;
            thread = Thread.ofPlatform().daemon().name("memory-sampler").start(this::sample);
        }

        static Sampler start(Servers.Server server, Heap heap, int uploads) throws IOException {
            return new Sampler(server, heap, uploads);
        }

        private void sample() {
            long pid = server.process().pid();
            try {
                for (int tick = 0; running; tick++) {
                    double pss = server.pssMib();
                    double rss = rssMib(pid);
                    double live = heap != null && tick % 5 == 4 ? heap.liveMib() : Double.NaN;
                    synchronized (this) {
                        pssPeak = Math.max(pssPeak, pss);
                        rssPeak = Math.max(rssPeak, rss);
                        if (!Double.isNaN(live)) {
                            heapPeak = Double.isNaN(heapPeak) ? live : Math.max(heapPeak, live);
                        }
                    }
                    Thread.sleep(100);
                }
            } catch (InterruptedException stopped) {
                Thread.currentThread().interrupt();
            } catch (IOException failed) {
                synchronized (this) {
                    failure = failed;
                }
            }
        }

        /** Ends the sampling; the reading of the uploads. */
        Reading stop() throws Exception {
            running = false;
            thread.join();
            synchronized (this) {
                if (failure != null) {
                    throw failure;
                }
                return new Reading(uploads, pssBefore, pssPeak, rssBefore, rssPeak, heapBefore, heapPeak);
            }
        }
    }
}
