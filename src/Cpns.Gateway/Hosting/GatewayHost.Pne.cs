using Cpns.Gateway.Diagnostics;
using Cpns.Gateway.GkdkAssignment;
using Cpns.Gateway.Storage;
using Cpns.Protocol;
using Cpns.Protocol.V1;
using Cpns.Transport;
using Google.Protobuf;

namespace Cpns.Gateway.Hosting;

public sealed partial class GatewayHost
{
    /// <summary>
    /// The largest group message relayed: 64 KiB of payload, the tag, two 256-byte ids and field overhead
    /// (the device library's GroupMessageCodec.MaxEncodedSize).
    /// </summary>
    internal const int MaxGroupMessageSize = (64 * 1024) + 16 + 512 + 64;

    // The first byte tells the two payloads of a PNE's up topic apart: a canonical Envelope starts with field 1
    // (version, varint: tag 0x08), a GroupMessage with field 1 (group_id, length-delimited: tag 0x0A). Both are
    // then decoded strictly.
    private const byte EnvelopeFirstByte = 0x08;
    private const byte GroupMessageFirstByte = 0x0A;

    private async Task HandlePneUpAsync(string pneId, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (payload.IsEmpty)
        {
            Refuse(PneInputRefusal.Empty, pneId, "empty payload");
            return;
        }

        if (payload.Span[0] == GroupMessageFirstByte)
        {
            await HandleGroupMessageAsync(pneId, payload, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (payload.Span[0] != EnvelopeFirstByte)
        {
            Refuse(PneInputRefusal.MalformedEnvelope, pneId, "neither an Envelope nor a GroupMessage");
            return;
        }

        if (!EnvelopeCodec.TryDecode(payload.Span, out var envelope, out var error))
        {
            Refuse(PneInputRefusal.MalformedEnvelope, pneId, error.ToString());
            return;
        }

        if (!string.Equals(envelope.SenderId, pneId, StringComparison.Ordinal))
        {
            Refuse(PneInputRefusal.SenderMismatch, pneId, "sender_id is not the PNE of the topic");
            return;
        }

        switch (envelope.BodyCase)
        {
            case Envelope.BodyOneofCase.GkdkAssignmentRequest:
                await HandleGkdkRequestAsync(pneId, envelope, cancellationToken).ConfigureAwait(false);
                break;
            case Envelope.BodyOneofCase.PneGroupKeyResponse:
                await HandlePneGroupKeyResponseAsync(pneId, envelope, cancellationToken).ConfigureAwait(false);
                break;
            case Envelope.BodyOneofCase.GroupKeyDeleteResponse:
                await HandleDeleteResponseAsync(pneId, envelope.GroupKeyDeleteResponse, cancellationToken).ConfigureAwait(false);
                break;
            default:
                Refuse(PneInputRefusal.UnexpectedBody, pneId, envelope.BodyCase.ToString());
                break;
        }
    }

    private async Task HandleGkdkRequestAsync(string pneId, Envelope request, CancellationToken cancellationToken)
    {
        // Flow 6.1.2.2 step 1: the request names the PNE its certificate and topic name.
        if (!string.Equals(request.GkdkAssignmentRequest.PneId, pneId, StringComparison.Ordinal))
        {
            Refuse(PneInputRefusal.SenderMismatch, pneId, "GKDK request for another PNE");
            return;
        }

        // Steps 2–5 are the core's; an unknown or removed PNE is answered with a status and counted.
        var result = await Gkdk.AssignGkdkAsync(pneId, cancellationToken).ConfigureAwait(false);
        var response = new GkdkAssignmentResponse { Status = ProtocolMapping.ToStatus(result.Status) };
        if (result.Status == GkdkAssignmentStatus.Assigned)
        {
            response.Leaf = (uint)result.Leaf;
            response.TreeHeight = (uint)result.Height;
            response.Scheme = BroadcastScheme.SubsetDifference;
            response.WrappedGkdk = ByteString.CopyFrom(result.WrappedGkdk.Span);
        }
        else
        {
            Refuse(PneInputRefusal.GkdkRefused, pneId, result.Status.ToString());
        }

        // Step 5: GKDK Assignment Response on the PNE's own down topic, correlated to the request.
        await PublishAsync(Topics.PneDown(PnId, pneId), EnvelopeCodec.CreateEnvelope(response, GatewayId, request), retain: false, cancellationToken).ConfigureAwait(false);
        Log.GkdkAnswered(_logger, pneId, result.Status);
    }

    private async Task HandlePneGroupKeyResponseAsync(string pneId, Envelope envelope, CancellationToken cancellationToken)
    {
        var response = envelope.PneGroupKeyResponse;
        if (!string.Equals(response.PneId, pneId, StringComparison.Ordinal))
        {
            Refuse(PneInputRefusal.SenderMismatch, pneId, "Group Key Response for another PNE");
            return;
        }

        if (IsRemoved(pneId))
        {
            return;
        }

        // Flow 6.x.y step 7. Whether the PNE is registered is checked with the rest of its answer's batch.
        var (outcome, complete) = await Delivery.RecordPneResponseAndReportAsync(pneId, response.GroupId, response.Epoch, ProtocolMapping.ToDecryptStatus(response.Status), cancellationToken).ConfigureAwait(false);
        Log.PneResponse(_logger, pneId, response.GroupId, response.Epoch, response.Status, outcome);
        if (outcome == Cpns.Gateway.Delivery.PneResponseOutcome.UnknownPne)
        {
            Refuse(PneInputRefusal.UnknownPne, pneId, "not registered in the PN");
            return;
        }

        if (complete is not null)
        {
            // A late answer is reported once by construction; a complete epoch can be completed again by a repeat.
            await ReportDeliveryAsync(complete, once: outcome != Cpns.Gateway.Delivery.PneResponseOutcome.Late, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task HandleDeleteResponseAsync(string pneId, GroupKeyDeleteResponse response, CancellationToken cancellationToken)
    {
        if (!string.Equals(response.PneId, pneId, StringComparison.Ordinal))
        {
            Refuse(PneInputRefusal.SenderMismatch, pneId, "Group Key Delete Response for another PNE");
            return;
        }

        if (!await CheckActivePneAsync(pneId, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var outcome = await Deletes.RecordDeleteAckAsync(pneId, response.GroupId, response.Epoch, cancellationToken).ConfigureAwait(false);
        Log.DeleteAcked(_logger, pneId, response.GroupId, response.Epoch, response.Status, outcome);
    }

    private async Task HandleGroupMessageAsync(string pneId, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (payload.Length > MaxGroupMessageSize)
        {
            Refuse(PneInputRefusal.MalformedGroupMessage, pneId, "too large");
            return;
        }

        GroupMessage message;
        try
        {
            message = GroupMessage.Parser.ParseFrom(payload.Span);
        }
        catch (InvalidProtocolBufferException)
        {
            Refuse(PneInputRefusal.MalformedGroupMessage, pneId, "not a GroupMessage");
            return;
        }

        if (!Topics.IsValidId(message.GroupId) || message.Epoch == 0 || message.Counter == 0 || message.Ciphertext.Length < 16)
        {
            Refuse(PneInputRefusal.MalformedGroupMessage, pneId, "invalid group id, epoch, counter or ciphertext");
            return;
        }

        if (!string.Equals(message.SenderPneId, pneId, StringComparison.Ordinal))
        {
            Refuse(PneInputRefusal.SenderMismatch, pneId, "sender_pne_id is not the PNE of the topic");
            return;
        }

        if (!await CheckActivePneAsync(pneId, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var groupId = message.GroupId;
        var isMember = await _store.RunAsync(
            db => GatewayQueries.IsMember(db, groupId, pneId, cancellationToken),
            cancellationToken).ConfigureAwait(false);
        if (!isMember)
        {
            Refuse(PneInputRefusal.NotAGroupMember, pneId, groupId);
            return;
        }

        // Relayed as is: the gateway routes on the clear fields and never opens the message.
        await PublishRawAsync(Topics.PnMessages(PnId, groupId), payload, retain: false, cancellationToken).ConfigureAwait(false);
        if (_uplink is not null)
        {
            await _uplink.RelayGroupMessageAsync(groupId, payload, cancellationToken).ConfigureAwait(false);
        }

        Log.GroupMessageRelayed(_logger, pneId, groupId, message.Epoch);
    }

    /// <summary>
    /// Relays a group message that came from another PN through the server broker to this PN's members
    /// (<c>cpns/v1/pn/{pn}/messages/{group}</c>). Called by the server link.
    /// </summary>
    /// <param name="groupId">The group the relay topic named.</param>
    /// <param name="groupMessage">The encoded GroupMessage.</param>
    /// <param name="cancellationToken">Gives up.</param>
    /// <returns>True when relayed; false when the message is malformed or for another group (logged).</returns>
    public async Task<bool> DeliverRelayedGroupMessageAsync(string groupId, ReadOnlyMemory<byte> groupMessage, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupId);
        GroupMessage? message = null;
        try
        {
            message = groupMessage.Length <= MaxGroupMessageSize ? GroupMessage.Parser.ParseFrom(groupMessage.Span) : null;
        }
        catch (InvalidProtocolBufferException)
        {
        }

        if (message is null || !string.Equals(message.GroupId, groupId, StringComparison.Ordinal) || !Topics.IsValidId(groupId))
        {
            Log.RelayRefused(_logger, groupId);
            return false;
        }

        await PublishRawAsync(Topics.PnMessages(PnId, groupId), groupMessage, retain: false, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task<bool> CheckActivePneAsync(string pneId, CancellationToken cancellationToken)
    {
        if (IsRemoved(pneId))
        {
            return false;
        }

        var known = await _store.RunAsync(db => GatewayQueries.IsActivePne(db, pneId, cancellationToken), cancellationToken).ConfigureAwait(false);
        if (!known)
        {
            Refuse(PneInputRefusal.UnknownPne, pneId, "not registered in the PN");
        }

        return known;
    }

    private bool IsRemoved(string pneId)
    {
        if (_removed.ContainsKey(pneId))
        {
            Refuse(PneInputRefusal.RemovedPne, pneId, "removed from the PN");
            return true;
        }

        return false;
    }

    private async Task ReportDeliveryAsync(Delivery.GroupKeyDeliveryReport report, bool once, CancellationToken cancellationToken)
    {
        var groupId = report.GroupId;
        if (once && !_reported.TryAdd((groupId, report.Epoch), 0))
        {
            return;
        }

        var message = new Protocol.V1.GroupKeyDeliveryReport { GroupId = groupId, Epoch = report.Epoch };
        foreach (var entry in report.Entries)
        {
            message.Deliveries.Add(new PneDelivery { PneId = entry.PneId, Status = ProtocolMapping.ToStatus(entry.State) });
        }

        await SendUplinkAsync(EnvelopeCodec.CreateEnvelope(message, GatewayId), cancellationToken).ConfigureAwait(false);
        Log.DeliveryReported(_logger, groupId, report.Epoch, report.Entries.Count);
    }

    private void Refuse(PneInputRefusal reason, string source, string detail)
    {
        Count(reason);
        Log.InputRefused(_logger, source, reason, detail);

        // The detail of these two is a status enum name (WrongCode, RateLimited, UnknownPne): low in cardinality.
        GatewayMetrics.PneInputRefused.Add(
            1,
            new KeyValuePair<string, object?>("reason", reason.ToString()),
            new KeyValuePair<string, object?>("status", reason is PneInputRefusal.PairingRefused or PneInputRefusal.GkdkRefused ? detail : string.Empty));
    }
}
