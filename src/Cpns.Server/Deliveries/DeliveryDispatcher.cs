using Cpns.Protocol;
using Cpns.Server.Domain;
using Cpns.Server.Enrollment;
using Cpns.Server.Hosting;
using Cpns.Server.Mqtt;
using Cpns.Server.Storage;
using Cpns.Server.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cpns.Server.Deliveries;

/// <summary>
/// Sends the outbox: claims due Pending delivery rows (new epochs, and unanswered ones whose back-off has elapsed),
/// builds each message at send time (<see cref="DeliveryContent"/>), records the attempt, and publishes it with QoS 1
/// on the gateway's downlink. Superseded and acknowledged rows are never claimed, so never re-sent. Every instance
/// runs this loop; the claim (<see cref="DeliveryLeases"/>) makes each attempt happen on one instance.
/// </summary>
internal sealed partial class DeliveryDispatcher(
    DeliveryLeases leases,
    DeliveryService deliveries,
    DeliveryContent content,
    DeliverySignal signal,
    GatewayLink link,
    CpnsDatabase database,
    ServerMetrics metrics,
    InstanceIdentity instance,
    IOptions<ServerOptions> options,
    TimeProvider time,
    ILogger<DeliveryDispatcher> logger) : BackgroundService
{
    /// <summary>
    /// Rows recorded per transaction. One commit per row made commits a large share of the dispatcher's cost; a whole
    /// claim (<see cref="DeliveryLeases.BatchSize"/>) per commit held every publish back until all of its messages were
    /// built, which a load run showed as a large rise in delivery latency. A chunk keeps most of the saving.
    /// </summary>
    public const int MarkBatchSize = 16;

    /// <summary>
    /// One pass: claims a batch of due rows; chunk by chunk, builds their messages, records the attempts in one
    /// transaction, then publishes the rows it recorded. Returns how many messages it published.
    /// </summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var (token, rows) = await leases.ClaimDueAsync(instance.Name, time.GetUtcNow().UtcDateTime, o.DeliveryLeaseDuration, cancellationToken).ConfigureAwait(false);
        var sent = 0;
        foreach (var chunk in rows.Chunk(MarkBatchSize))
        {
            sent += await SendChunkAsync(chunk, token, cancellationToken).ConfigureAwait(false);
        }

        return sent;
    }

    private async Task<int> SendChunkAsync(DeliveryRecord[] rows, string token, CancellationToken cancellationToken)
    {
        var attempts = new List<SendAttempt>(rows.Length);
        var payloads = new List<byte[]>(rows.Length);
        foreach (var row in rows)
        {
            try
            {
                if (await BuildAsync(row, token, cancellationToken).ConfigureAwait(false) is var (attempt, payload))
                {
                    attempts.Add(attempt);
                    payloads.Add(payload);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // One row's failure must not starve the others; its lease lapses and a later pass retries it.
                LogSendFailed(logger, row.GroupId, row.Epoch, row.GatewayId, ex);
            }
        }

        if (attempts.Count == 0)
        {
            return 0;
        }

        // One commit for the chunk instead of one per row (the uplink's and the dispatcher's commits are serial on
        // SQLite). If it fails nothing is recorded and nothing is sent: the leases lapse and a later pass retries.
        var marked = await deliveries.MarkSentAsync(attempts, token, cancellationToken).ConfigureAwait(false);
        var sent = 0;
        for (var i = 0; i < attempts.Count; i++)
        {
            if (marked[i] && await PublishAsync(attempts[i].Row, payloads[i], cancellationToken).ConfigureAwait(false))
            {
                sent++;
            }
        }

        return sent;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var poll = options.Value.DeliveryPollInterval;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    // Drain: a full batch means more may be due.
                    while (await RunOnceAsync(stoppingToken).ConfigureAwait(false) >= DeliveryLeases.BatchSize)
                    {
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The loop outlives a failed pass: log and try at the next tick. A database outage is expected
                    // and repeats every tick, so it is one warning line, not an error with a stack trace each time.
                    if (CpnsDatabase.IsUnavailable(ex))
                    {
                        LogPassDatabaseUnavailable(logger, ex.GetBaseException().GetType().Name, ex.GetBaseException().Message);
                    }
                    else
                    {
                        LogPassFailed(logger, ex);
                    }
                }

                await signal.WaitAsync(poll, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown is not an error.
        }
    }

    /// <summary>Builds the message of a claimed row; null when it has nothing to send (the row is released).</summary>
    private async Task<(SendAttempt Attempt, byte[] Payload)?> BuildAsync(DeliveryRecord row, string token, CancellationToken cancellationToken)
    {
        // Taken before the member list is read, so a join committed meanwhile is never acknowledged by this send.
        var builtAt = time.GetUtcNow().UtcDateTime;
        var db = database.CreateContext();
        await using (db.ConfigureAwait(false))
        {
            var (message, skip) = await content.BuildAsync(db, row.GroupId, row.Epoch, row.GatewayId, row.Kind, cancellationToken).ConfigureAwait(false);
            if (message is null)
            {
                await deliveries.ReleaseUnsentAsync(row, token, skip, cancellationToken).ConfigureAwait(false);
                return null;
            }

            var envelope = EnvelopeCodec.CreateEnvelope(message, ServerCertificates.ServerIdentity, timeProvider: time);
            return (new SendAttempt(row, envelope.MessageId.ToByteArray(), builtAt), EnvelopeCodec.Encode(envelope));
        }
    }

    private async Task<bool> PublishAsync(DeliveryRecord row, byte[] payload, CancellationToken cancellationToken)
    {
        try
        {
            await link.PublishAsync(row.GatewayId, payload, options.Value.MqttStartTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The attempt is recorded: the row is re-sent when its back-off elapses.
            LogPublishFailed(logger, row.GroupId, row.Epoch, row.GatewayId, ex.Message);
            return false;
        }

        var retry = row.Attempts > 0;
        metrics.DeliverySent(row.Kind, viaSync: false, retry);
        LogSent(logger, row.Kind, row.GroupId, row.Epoch, row.GatewayId, row.Attempts + 1);
        return true;
    }
}
