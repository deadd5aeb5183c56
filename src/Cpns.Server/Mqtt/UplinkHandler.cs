using Cpns.Protocol;
using Cpns.Protocol.V1;
using Cpns.Server.Deliveries;
using Cpns.Server.Domain;
using Cpns.Server.Enrollment;
using Cpns.Server.Inventory;
using Cpns.Server.Storage;
using Cpns.Server.Telemetry;
using Cpns.Transport;
using Microsoft.Extensions.Logging;

namespace Cpns.Server.Mqtt;

/// <summary>
/// Handles every message on <c>cpns/v1/gw/{gw}/up</c>. The topic names the gateway (the broker's ACL lets a gateway
/// publish only on its own uplink); the envelope must decode strictly, name the same gateway as sender, carry a message
/// id not seen before, and come from an enrolled gateway. Then: GroupKeyResponse and GroupKeyDeleteResponse acknowledge
/// deliveries, GroupKeyDeliveryReport records per-PNE statuses, SyncRequest is answered with a SyncResponse and
/// PnInventoryReport updates the inventory and is answered with a PnInventoryAck. Anything refused is logged with a
/// specific reason (<see cref="UplinkRefusal"/>) and counted; a failure never escapes, so one bad peer never stops the server.
/// </summary>
internal sealed partial class UplinkHandler(
    EnrolledGateways enrolled,
    DeliveryService deliveries,
    SyncService sync,
    InventoryService inventory,
    ReplayCache replays,
    ServerMetrics metrics,
    TimeProvider time,
    ILogger<UplinkHandler> logger)
{
    public async Task<UplinkReply?> HandleAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        if (!Topics.TryParse(message.Topic, out var topic) || topic.Kind != TopicKind.GatewayUp || topic.GatewayId is not { } gatewayId)
        {
            Refuse("?", UplinkRefusal.UnexpectedTopic, "not a gateway uplink");
            return null;
        }

        if (!EnvelopeCodec.TryDecode(message.Payload.Span, out var envelope, out var error))
        {
            Refuse(gatewayId, UplinkRefusal.MalformedEnvelope, $"{error.Code} at '{error.Field}': {error.Message}");
            return null;
        }

        var body = envelope.BodyCase.ToString();
        if (!string.Equals(envelope.SenderId, gatewayId, StringComparison.Ordinal))
        {
            // The sender id is the gateway's claim; the topic is what the broker authenticated.
            Refuse(gatewayId, UplinkRefusal.SenderMismatch, $"{body} names another sender");
            return null;
        }

        if (!replays.TryAdd(gatewayId, envelope.MessageId.Span))
        {
            Refuse(gatewayId, UplinkRefusal.ReplayedMessageId, body);
            return null;
        }

        try
        {
            if (!await enrolled.IsEnrolledAsync(gatewayId, cancellationToken).ConfigureAwait(false))
            {
                Refuse(gatewayId, UplinkRefusal.UnknownGateway, body);
                return null;
            }

            return await DispatchAsync(gatewayId, envelope, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Nothing of the message is kept (an unrecorded Group Key Response is answered again when the delivery is
            // re-sent). During a database outage this is expected, so one warning line rather than an error.
            if (CpnsDatabase.IsUnavailable(ex))
            {
                LogDatabaseUnavailable(logger, body, gatewayId, ex.GetBaseException().GetType().Name);
            }
            else
            {
                LogHandlingFailed(logger, gatewayId, body, ex);
            }

            return null;
        }
    }

    private async Task<UplinkReply?> DispatchAsync(string gatewayId, Envelope envelope, CancellationToken cancellationToken)
    {
        string? refusal;
        switch (envelope.BodyCase)
        {
            case Envelope.BodyOneofCase.GroupKeyResponse:
                var response = envelope.GroupKeyResponse;
                refusal = await deliveries.HandleResponseAsync(
                    gatewayId, envelope.CorrelationId.ToByteArray(), response.GroupId, response.Epoch, response.Status, DeliveryKind.KeyUpdate, cancellationToken).ConfigureAwait(false);
                break;
            case Envelope.BodyOneofCase.GroupKeyDeleteResponse:
                var deleteResponse = envelope.GroupKeyDeleteResponse;
                refusal = await deliveries.HandleResponseAsync(
                    gatewayId, envelope.CorrelationId.ToByteArray(), deleteResponse.GroupId, deleteResponse.Epoch, deleteResponse.Status, DeliveryKind.Delete, cancellationToken).ConfigureAwait(false);
                break;
            case Envelope.BodyOneofCase.GroupKeyDeliveryReport:
                refusal = await deliveries.RecordReportAsync(gatewayId, envelope.GroupKeyDeliveryReport, cancellationToken).ConfigureAwait(false);
                break;
            case Envelope.BodyOneofCase.SyncRequest:
                return new UplinkReply(gatewayId, await sync.AnswerAsync(gatewayId, envelope, cancellationToken).ConfigureAwait(false));
            case Envelope.BodyOneofCase.PnInventoryReport:
                return await InventoryAsync(gatewayId, envelope, cancellationToken).ConfigureAwait(false);
            default:
                refusal = UplinkRefusal.UnexpectedMessage;
                break;
        }

        if (refusal is not null)
        {
            Refuse(gatewayId, refusal, envelope.BodyCase.ToString());
        }

        return null;
    }

    private async Task<UplinkReply> InventoryAsync(string gatewayId, Envelope envelope, CancellationToken cancellationToken)
    {
        var report = envelope.PnInventoryReport;

        // The protocol allows ':' in ids; the server's member ids use it as the separator, so it refuses such ids.
        var ids = report.Registered.Select(r => r.PneId).Concat(report.RemovedPneIds).Append(report.PnId);
        Status status;
        if (!ids.All(Identifiers.IsValid))
        {
            Refuse(gatewayId, UplinkRefusal.InvalidIdentifier, "PnInventoryReport");
            status = Status.InvalidRequest;
        }
        else
        {
            var registered = report.Registered
                .Select(r => (r.PneId, string.IsNullOrEmpty(r.Alias) ? null : r.Alias, (DateTime?)DateTimeOffset.FromUnixTimeMilliseconds(r.RegisteredAtUnixMs).UtcDateTime))
                .ToList();
            var (added, removed) = await inventory.ApplyReportAsync(gatewayId, report.PnId, registered, [.. report.RemovedPneIds], cancellationToken).ConfigureAwait(false);
            LogInventory(logger, gatewayId, report.PnId, added, removed);
            status = Status.Ok;
        }

        var ack = EnvelopeCodec.CreateEnvelope(new PnInventoryAck { Status = status }, ServerCertificates.ServerIdentity, envelope, time);
        return new UplinkReply(gatewayId, EnvelopeCodec.Encode(ack));
    }

    private void Refuse(string gatewayId, string reason, string detail)
    {
        metrics.UplinkRefused(reason);
        LogRefused(logger, gatewayId, reason, detail);
    }
}
