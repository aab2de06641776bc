package dev.packetipc;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The transports that discovery found, and the rules for choosing one. A provider that fails to load is recorded
 * with its failure and skipped; two providers with one id make that id unusable until one is removed.
 */
final class TransportRegistry {
    private static final System.Logger LOG = System.getLogger("dev.packetipc");

    private final List<TransportStatus> statuses;

    TransportRegistry(List<TransportStatus> statuses) {
        this.statuses = List.copyOf(statuses);
    }

    /** Loads every provider visible to the class loader, never failing as a whole. */
    static TransportRegistry load(ClassLoader loader) {
        List<TransportStatus> found = new ArrayList<>();
        Iterator<IpcTransport> iterator =
                ServiceLoader.load(IpcTransport.class, loader).iterator();
        while (true) {
            try {
                if (!iterator.hasNext()) {
                    break;
                }
                found.add(statusOf(iterator.next()));
            } catch (ServiceConfigurationError | LinkageError | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "packet-ipc skipped a transport provider that failed to load", e);
                found.add(failedProvider(e));
            }
        }
        return new TransportRegistry(markDuplicates(found));
    }

    static TransportStatus statusOf(IpcTransport transport) {
        String provider = transport.getClass().getName();
        try {
            Optional<Throwable> cause = transport.isAvailable() ? Optional.empty() : transport.unavailabilityCause();
            if (!transport.isAvailable() && cause.isEmpty()) {
                cause = Optional.of(new TransportUnavailableException("isAvailable() is false and no cause was given"));
            }
            return new TransportStatus(
                    transport.id(),
                    provider,
                    transport.priority(),
                    Collections.unmodifiableSet(EnumSet.copyOf(withNone(transport.capabilities()))),
                    Optional.of(transport),
                    cause);
        } catch (RuntimeException | LinkageError e) {
            return new TransportStatus(
                    provider, provider, 0, Set.of(), Optional.empty(), Optional.of(withMessage("provider failed", e)));
        }
    }

    private static Set<TransportCapability> withNone(Set<TransportCapability> capabilities) {
        EnumSet<TransportCapability> set = EnumSet.noneOf(TransportCapability.class);
        set.addAll(capabilities);
        return set;
    }

    private static final Pattern PROVIDER_NAME = Pattern.compile("Provider (\\S+) ");

    private static TransportStatus failedProvider(Throwable e) {
        Matcher m = PROVIDER_NAME.matcher(String.valueOf(e.getMessage()));
        String name = m.find() ? m.group(1) : "<provider that failed to load>";
        return new TransportStatus(
                name, name, 0, Set.of(), Optional.empty(), Optional.of(withMessage("failed to load", e)));
    }

    private static Throwable withMessage(String what, Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String because = root == e ? "" : " (caused by " + root + ")";
        return new TransportUnavailableException(what + ": " + e + because, e);
    }

    static List<TransportStatus> markDuplicates(List<TransportStatus> found) {
        Map<String, List<TransportStatus>> byId = new LinkedHashMap<>();
        for (TransportStatus status : found) {
            byId.computeIfAbsent(status.id(), id -> new ArrayList<>()).add(status);
        }
        List<TransportStatus> result = new ArrayList<>();
        for (TransportStatus status : found) {
            List<TransportStatus> same = byId.get(status.id());
            if (same.size() > 1 && status.transport().isPresent()) {
                String providers =
                        same.stream().map(TransportStatus::providerClass).collect(Collectors.joining(" and "));
                Throwable cause = new TransportUnavailableException("two providers claim the transport id '"
                        + status.id() + "': " + providers + "; remove one of them from the class path or module path");
                result.add(new TransportStatus(
                        status.id(),
                        status.providerClass(),
                        status.priority(),
                        status.capabilities(),
                        status.transport(),
                        Optional.of(cause)));
            } else {
                result.add(status);
            }
        }
        return result;
    }

    List<TransportStatus> statuses() {
        return statuses;
    }

    /** The transport with this id, if it can run here. */
    IpcTransport byId(String id, String why) throws IpcException {
        for (TransportStatus status : statuses) {
            if (status.id().equals(id)) {
                if (status.isAvailable()) {
                    LOG.log(System.Logger.Level.DEBUG, "packet-ipc uses transport ''{0}'' ({1})", id, why);
                    return status.transport().orElseThrow();
                }
                Throwable cause = status.unavailabilityCause().orElseThrow();
                throw new TransportUnavailableException(
                        "transport '" + id + "' (" + why + ") cannot run here: " + cause.getMessage() + ". "
                                + listingExcept(id),
                        cause);
            }
        }
        throw new NoSuchTransportException("no transport has the id '" + id + "' (" + why + "). " + listing()
                + " Add the transport's artifact (for example dev.packetipc:packet-ipc-transport-" + id
                + ") to the class path or module path, or select one of the ids above.");
    }

    /** The available transport of highest non-negative priority; a tie is broken by id, with a warning. */
    IpcTransport best() throws NoSuchTransportException {
        List<TransportStatus> candidates = statuses.stream()
                .filter(s -> s.isAvailable() && s.priority() >= 0)
                .sorted(Comparator.comparingInt(TransportStatus::priority)
                        .reversed()
                        .thenComparing(TransportStatus::id))
                .collect(Collectors.toList());
        if (candidates.isEmpty()) {
            throw new NoSuchTransportException(
                    "no inter-process transport is available. " + listing() + " " + whatToAdd());
        }
        TransportStatus chosen = candidates.get(0);
        if (candidates.size() > 1 && candidates.get(1).priority() == chosen.priority()) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "packet-ipc: transports ''{0}'' and ''{1}'' have the same priority {2}; using ''{0}''. Select one"
                            + " with -D{3}=<id> to silence this warning.",
                    chosen.id(),
                    candidates.get(1).id(),
                    chosen.priority(),
                    PacketIpc.TRANSPORT_PROPERTY);
        } else {
            LOG.log(
                    System.Logger.Level.DEBUG,
                    "packet-ipc uses transport ''{0}'': the highest priority ({1}) of those available",
                    chosen.id(),
                    chosen.priority());
        }
        return chosen.transport().orElseThrow();
    }

    /** The available transport whose names have this scheme. */
    IpcTransport byScheme(String scheme, String name) throws IpcException {
        for (TransportStatus status : statuses) {
            if (status.transport().isPresent()
                    && status.transport().get().scheme().equals(scheme)) {
                return byId(status.id(), "the scheme of the name " + name);
            }
        }
        throw new NoSuchTransportException("no transport handles names of the scheme '" + scheme + "' (name " + name
                + "). " + listing() + " Add the transport that started the server to the class path or module"
                + " path.");
    }

    String listing() {
        if (statuses.isEmpty()) {
            return "No transport was found on the class path or module path.";
        }
        return "Transports found: "
                + statuses.stream().map(TransportStatus::describe).collect(Collectors.joining("; ")) + ".";
    }

    /** The listing without the transport whose cause the message already gave, so that it is said once. */
    private String listingExcept(String id) {
        List<String> others = statuses.stream()
                .filter(s -> !s.id().equals(id))
                .map(TransportStatus::describe)
                .collect(Collectors.toList());
        return others.isEmpty()
                ? "No other transport was found."
                : "Other transports found: " + String.join("; ", others) + ".";
    }

    /**
     * What to do when no inter-process transport can run: add one that is not there yet (a transport that is there
     * but cannot run has its reason in the listing), or select one.
     */
    private String whatToAdd() {
        Map<String, String> known = new LinkedHashMap<>();
        known.put("unix", "packet-ipc-transport-unix (Linux, macOS)");
        known.put("pipe", "packet-ipc-transport-windows-pipes (Windows)");
        known.put("shm", "packet-ipc-transport-shm");
        List<String> absent = known.entrySet().stream()
                .filter(e -> statuses.stream().noneMatch(s -> s.id().equals(e.getKey())))
                .map(Map.Entry::getValue)
                .collect(Collectors.toList());
        List<String> unavailable = statuses.stream()
                .filter(s -> !s.isAvailable())
                .map(s -> "'" + s.id() + "'")
                .collect(Collectors.toList());
        List<String> steps = new ArrayList<>();
        if (!unavailable.isEmpty()) {
            steps.add("fix the cause given above for " + String.join(" or ", unavailable));
        }
        if (!absent.isEmpty()) {
            steps.add("add " + String.join(" or ", absent) + " to the class path or module path");
        }
        steps.add("select a transport with -D" + PacketIpc.TRANSPORT_PROPERTY + "=<id>");
        String text = String.join(", or ", steps) + ".";
        return Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }
}
