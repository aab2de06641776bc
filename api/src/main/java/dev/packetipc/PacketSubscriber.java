package dev.packetipc;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * A {@link Flow.Subscriber} that sends what it receives over a {@link Connection} in batches, with demand-based
 * backpressure: it requests one batch, sends it (which blocks while the client lags), then requests the next. On
 * completion it sends the rest and the end of the stream. The connection is closed if sending fails or the publisher
 * fails.
 *
 * <p>{@link #completion()} completes with the number of packets sent, or with the failure.
 */
public final class PacketSubscriber implements Flow.Subscriber<AsIpcPacket> {
    private final Connection connection;
    private final int batchSize;
    private final List<AsIpcPacket> batch;
    private final CompletableFuture<Long> completion = new CompletableFuture<>();
    private Flow.Subscription subscription;
    private long sent;

    PacketSubscriber(Connection connection, int batchSize) {
        this.connection = Objects.requireNonNull(connection, "connection");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, was " + batchSize);
        }
        this.batchSize = batchSize;
        this.batch = new ArrayList<>(batchSize);
    }

    /**
     * Completes with the number of packets sent once the end is sent, or exceptionally on failure.
     *
     * @return the future of the number of packets sent
     */
    public CompletableFuture<Long> completion() {
        return completion;
    }

    @Override
    public void onSubscribe(Flow.Subscription newSubscription) {
        Objects.requireNonNull(newSubscription, "subscription");
        if (subscription != null) {
            newSubscription.cancel(); // Reactive Streams rule 2.5: only one subscription
            return;
        }
        subscription = newSubscription;
        subscription.request(batchSize);
    }

    @Override
    public void onNext(AsIpcPacket packet) {
        Objects.requireNonNull(packet, "packet");
        if (completion.isDone()) {
            return;
        }
        batch.add(packet);
        if (batch.size() == batchSize) {
            if (flush()) {
                subscription.request(batchSize);
            }
        }
    }

    @Override
    public void onError(Throwable failure) {
        Objects.requireNonNull(failure, "failure");
        connection.close();
        completion.completeExceptionally(failure);
    }

    @Override
    public void onComplete() {
        if (flush()) {
            try {
                connection.sendEnd();
                completion.complete(sent);
            } catch (IpcException e) {
                fail(e);
            }
        }
    }

    private boolean flush() {
        if (batch.isEmpty() || completion.isDone()) {
            return !completion.isDone();
        }
        try {
            connection.send(batch);
            sent += batch.size();
            batch.clear();
            return true;
        } catch (IpcException e) {
            subscription.cancel();
            fail(e);
            return false;
        }
    }

    private void fail(IpcException e) {
        connection.close();
        completion.completeExceptionally(e);
    }
}
