package dev.packetipc.windows;

import java.io.IOException;
import java.nio.channels.Pipe;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small Windows inside one JVM, for the tests: a namespace of named pipes and a table of processes, each an {@link
 * EmulatedWin32Pipes} with its own user, process id and handle table. Pipe instances become pairs of JDK pipes when a
 * client connects; the rules the transport relies on are kept: {@code FILE_FLAG_FIRST_PIPE_INSTANCE}, {@code
 * ERROR_PIPE_BUSY} while no instance is free, {@code ERROR_FILE_NOT_FOUND} once the last instance is closed, and the
 * security descriptor's access list, which refuses users it does not name.
 */
final class EmulatedWindows {
    /** The SID of the local system account, "SY" in SDDL. */
    static final String SYSTEM_SID = "S-1-5-18";

    private static final Pattern ALLOW_ALL = Pattern.compile("\\(A;;GA;;;([^)]+)\\)");

    private final Map<String, List<Instance>> pipes = new HashMap<>(); // guarded by this
    private final Map<Integer, EmulatedWin32Pipes> processes = new ConcurrentHashMap<>();
    private final AtomicInteger nextPid = new AtomicInteger(4000);

    /** A new process run by the user {@code userSid}. */
    EmulatedWin32Pipes newProcess(String userSid) {
        int pid = nextPid.addAndGet(4);
        EmulatedWin32Pipes process = new EmulatedWin32Pipes(this, pid, userSid);
        processes.put(pid, process);
        return process;
    }

    EmulatedWin32Pipes process(int pid) {
        return processes.get(pid);
    }

    /** The server end of one pipe instance. */
    static final class Instance {
        final String path;
        final String sddl;
        /** Set once a client connected: the server's ends of the two JDK pipes. */
        Pipe.SourceChannel in;

        Pipe.SinkChannel out;
        int clientPid;
        boolean closed;
        /** The slot of a pending connect, woken when a client arrives. */
        EmulatedWin32Pipes.Slot connecting;

        Instance(String path, String sddl) {
            this.path = path;
            this.sddl = sddl;
        }

        boolean isConnected() {
            return in != null;
        }
    }

    /** The client end of a connected instance. */
    static final class ClientEnd {
        final Pipe.SourceChannel in;
        final Pipe.SinkChannel out;

        ClientEnd(Pipe.SourceChannel in, Pipe.SinkChannel out) {
            this.in = in;
            this.out = out;
        }
    }

    synchronized Instance createInstance(String path, boolean first, String sddl) throws Win32Error {
        List<Instance> instances = pipes.get(path);
        if (first && instances != null) {
            throw new Win32Error("CreateNamedPipeW", Win32Error.ERROR_ACCESS_DENIED);
        }
        Instance instance = new Instance(path, sddl);
        pipes.computeIfAbsent(path, p -> new ArrayList<>()).add(instance);
        notifyAll();
        return instance;
    }

    synchronized ClientEnd connect(String path, EmulatedWin32Pipes client) throws Win32Error {
        List<Instance> instances = pipes.get(path);
        if (instances == null) {
            throw new Win32Error("CreateFileW", Win32Error.ERROR_FILE_NOT_FOUND);
        }
        Instance free = null;
        for (Instance instance : instances) {
            if (!instance.isConnected()) {
                free = instance;
                break;
            }
        }
        if (free == null) {
            throw new Win32Error("CreateFileW", Win32Error.ERROR_PIPE_BUSY);
        }
        if (!allowedUsers(free.sddl).contains(client.userSid())) {
            throw new Win32Error("CreateFileW", Win32Error.ERROR_ACCESS_DENIED);
        }
        try {
            Pipe toServer = Pipe.open();
            Pipe toClient = Pipe.open();
            for (java.nio.channels.SelectableChannel channel :
                    List.of(toServer.source(), toServer.sink(), toClient.source(), toClient.sink())) {
                channel.configureBlocking(false);
            }
            free.in = toServer.source();
            free.out = toClient.sink();
            free.clientPid = client.pid();
            if (free.connecting != null) {
                free.connecting.selector.wakeup();
            }
            return new ClientEnd(toClient.source(), toServer.sink());
        } catch (IOException e) {
            throw new Win32Error("CreateFileW", Win32Error.ERROR_INVALID_HANDLE);
        }
    }

    /** The SIDs an SDDL string's {@code (A;;GA;;;sid)} entries admit; {@code SY} is the local system. */
    static Set<String> allowedUsers(String sddl) {
        Set<String> users = new HashSet<>();
        Matcher matcher = ALLOW_ALL.matcher(sddl);
        while (matcher.find()) {
            users.add(matcher.group(1).equals("SY") ? SYSTEM_SID : matcher.group(1));
        }
        return users;
    }

    synchronized void closeInstance(Instance instance) {
        if (instance.closed) {
            return;
        }
        instance.closed = true;
        List<Instance> instances = pipes.get(instance.path);
        instances.remove(instance);
        if (instances.isEmpty()) {
            pipes.remove(instance.path);
        }
        notifyAll();
    }

    synchronized boolean isConnected(Instance instance) {
        return instance.isConnected();
    }

    /** {@code WaitNamedPipe}: until some instance of the pipe is free. */
    synchronized boolean waitFree(String path, long timeoutMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            List<Instance> instances = pipes.get(path);
            if (instances == null) {
                return false;
            }
            if (instances.stream().anyMatch(instance -> !instance.isConnected())) {
                return true;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
