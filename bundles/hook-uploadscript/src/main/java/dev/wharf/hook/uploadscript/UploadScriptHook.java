package dev.wharf.hook.uploadscript;

import dev.wharf.api.hook.UploadEvent;
import dev.wharf.api.hook.UploadHook;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pure-FTPd's upload script for Wharf: after each upload, runs the admin's program with the file's absolute path
 * and the {@code UPLOAD_*} variables, and/or writes the upload to the FIFO of a running {@code pure-uploadscript}
 * so that existing setups keep working.
 *
 * <p>The core calls every hook on one shared thread, so this one only queues the event (bounded; a full queue
 * drops the event and says so) and returns. Its own worker handles the events one at a time, in order, as
 * pure-uploadscript does: two programs never run at once, so a burst of uploads cannot start a burst of processes.
 *
 * <p>Only regular files that still exist when their turn comes are passed on. Aborted uploads are ignored unless
 * {@code aborted = true}: Wharf deletes an aborted new upload, so what is left of one is the partial result of an
 * APPE or REST, which a script would take for a whole file.
 */
@Component(service = UploadHook.class, configurationPid = UploadScriptHook.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = UploadScriptHook.Config.class)
public class UploadScriptHook implements UploadHook {

    static final String PID = "dev.wharf.hook.uploadscript";
    static final int QUEUE_CAPACITY = 1_000;
    private static final Logger LOG = LoggerFactory.getLogger(UploadScriptHook.class);

    @ObjectClassDefinition(name = "Wharf upload script",
            description = "Runs a program after each upload, or feeds a running pure-uploadscript")
    public @interface Config {
        @AttributeDefinition(required = false, description = "Absolute path of the program run as "
                + "'program <absolute path of the file>' with the UPLOAD_* variables; empty: none")
        String program() default "";

        @AttributeDefinition(description = "Seconds the program may run before it is killed")
        int timeout_seconds() default Settings.DEFAULT_TIMEOUT;

        @AttributeDefinition(required = false, description = "FIFO of a running pure-uploadscript (it reads only "
                + Settings.PURE_FTPD_PIPE + "); empty: none")
        String pipe() default "";

        @AttributeDefinition(description = "Lock file taken around each write to the FIFO, shared with Pure-FTPd")
        String lock() default Settings.PURE_FTPD_LOCK;

        @AttributeDefinition(description = "Seconds to wait for the FIFO's reader, the lock and the write")
        int pipe_timeout_seconds() default Settings.DEFAULT_PIPE_TIMEOUT;

        @AttributeDefinition(description = "Also pass on aborted uploads whose (partial) file is still there")
        boolean aborted() default false;
    }

    private final BlockingQueue<UploadEvent> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final UploadPipe pipe = new UploadPipe();
    private final Thread worker = Thread.ofPlatform().daemon().name("wharf-uploadscript").unstarted(this::work);
    /** Null while the configuration is broken: events are then ignored. */
    private volatile Settings settings;
    private volatile boolean stopped;

    @Activate
    @Modified
    void activate(Map<String, Object> properties) {
        configure(properties);
    }

    /** Applies a configuration (live: the next event uses it); the first call starts the worker. */
    synchronized void configure(Map<String, ?> properties) {
        try {
            settings = Settings.from(properties);
            if (settings.active()) {
                LOG.info("Upload script: {}", settings);
                settings.program().filter(program -> !java.nio.file.Files.isExecutable(program)).ifPresent(program ->
                        LOG.warn("Upload script: '{}' = {} is not an executable file (yet); uploads fail to run it "
                                + "until it is", Settings.PROGRAM, program));
            } else {
                LOG.info("Upload script: neither '{}' nor '{}' is set, uploads are not passed on", Settings.PROGRAM,
                        Settings.PIPE);
            }
        } catch (Settings.InvalidSettingException invalid) {
            settings = null;
            LOG.error("Upload script ({}): {}; uploads are not passed on until the configuration is fixed", PID,
                    invalid.getMessage());
        }
        if (!stopped && worker.getState() == Thread.State.NEW) {
            worker.start();
        }
    }

    @Deactivate
    synchronized void deactivate() {
        stopped = true;
        int dropped = queue.size();
        queue.clear();
        if (dropped > 0) {
            LOG.warn("Upload script stopping: {} queued uploads not passed on", dropped);
        }
        worker.interrupt(); // kills a running program as its timeout would
        try {
            worker.join(ProgramRunner.KILL_GRACE_MILLIS * 2);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
        pipe.close();
    }

    @Override
    public void uploaded(UploadEvent event) {
        Settings current = settings;
        if (stopped || current == null || !current.active()) {
            LOG.debug("Upload script inactive, {} not passed on", event.file());
            return;
        }
        if (!event.complete() && !current.aborted()) {
            return;
        }
        if (!queue.offer(event)) {
            LOG.warn("Upload script queue full ({} uploads waiting), {} by '{}' dropped", QUEUE_CAPACITY,
                    event.file(), event.account());
        }
    }

    private void work() {
        while (!stopped) {
            UploadEvent event;
            try {
                event = queue.poll(1, TimeUnit.SECONDS);
            } catch (InterruptedException stopping) {
                continue; // stopped is set
            }
            if (event != null) {
                try {
                    process(event);
                } catch (RuntimeException | LinkageError unexpected) {
                    LOG.error("Upload script failed for {}", event.file(), unexpected);
                }
                Thread.interrupted(); // a stop during this event was handled there; the loop checks stopped
            }
        }
    }

    /** Passes one upload on with the settings of now; package-private for tests. */
    void process(UploadEvent event) {
        Settings current = settings;
        if (current == null || !current.active() || (!event.complete() && !current.aborted())) {
            return;
        }
        UploadedFile file;
        try {
            file = UploadedFile.examine(event.account(), event.file());
        } catch (UploadedFile.NotEligibleException skipped) {
            LOG.info("Upload script: {} by '{}' not passed on: {}", ProgramRunner.printable(event.file().toString()),
                    ProgramRunner.printable(event.account()), skipped.getMessage());
            return;
        }
        current.pipe().ifPresent(fifo -> pipe.send(file, fifo, current.lock(), current.pipeTimeoutSeconds()));
        current.program().ifPresent(program -> ProgramRunner.run(program, file, current.timeoutSeconds()));
    }
}
