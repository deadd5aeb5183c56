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
    /// <summary>One pass: claims a batch of due rows and sends them. Returns how many messages it published.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var (token, rows) = await leases.ClaimDueAsync(instance.Name, time.GetUtcNow().UtcDateTime, o.DeliveryLeaseDuration, cancellationToken).ConfigureAwait(false);
        var sent = 0;
        foreach (var row in rows)
        {
            try
            {
                if (await SendAsync(row, token, cancellationToken).ConfigureAwait(false))
                {
                    sent++;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // One row's failure must not starve the others; its lease lapses and a later pass retries it.
                LogSendFailed(logger, row.GroupId, row.Epoch, row.GatewayId, ex);
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

    private async Task<bool> SendAsync(DeliveryRecord row, string token, CancellationToken cancellationToken)
    {
        byte[] payload;
        byte[] messageId;
        // Taken before the member list is read, so a join committed meanwhile is never acknowledged by this send.
        var builtAt = time.GetUtcNow().UtcDateTime;
        var db = database.CreateContext();
        await using (db.ConfigureAwait(false))
        {
            var (message, skip) = await content.BuildAsync(db, row.GroupId, row.Epoch, row.GatewayId, row.Kind, cancellationToken).ConfigureAwait(false);
            if (message is null)
            {
                await deliveries.ReleaseUnsentAsync(row, token, skip, cancellationToken).ConfigureAwait(false);
                return false;
            }

            var envelope = EnvelopeCodec.CreateEnvelope(message, ServerCertificates.ServerIdentity, timeProvider: time);
            payload = EnvelopeCodec.Encode(envelope);
            messageId = envelope.MessageId.ToByteArray();
        }

        if (!await deliveries.MarkSentAsync(row, token, messageId, builtAt, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

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
