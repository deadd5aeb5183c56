using Cpns.Gateway.Delivery;
using Cpns.Protocol;
using Cpns.Protocol.V1;
using Cpns.Transport;

namespace Cpns.Gateway.Hosting;

public sealed partial class GatewayHost
{
    /// <summary>
    /// The seam the server link feeds: handles one envelope from the CPNS Server (<c>cpns/v1/gw/{id}/down</c>)
    /// and returns the answer to publish on <c>cpns/v1/gw/{id}/up</c>, or null when there is none.
    /// A <c>GroupKeyNotification</c> is flow 6.x.y steps 2–6: the answer is the Group Key Response (step 3) and
    /// the broadcast is published retained on <c>cpns/v1/pn/{pn}/groups/{group}</c> (step 6). A
    /// <c>GroupKeyDelete</c> is forwarded to each affected PNE on its down topic (the group's retained broadcast
    /// is cleared when the whole group goes) and answered with a <c>GroupKeyDeleteResponse</c>.
    /// </summary>
    /// <param name="envelope">A decoded, validated envelope (<see cref="EnvelopeCodec.TryDecode"/>).</param>
    /// <param name="cancellationToken">Gives up.</param>
    /// <returns>The response envelope, or null for a body the gateway does not take from the server.</returns>
    public Task<Envelope?> HandleServerEnvelopeAsync(Envelope envelope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        return envelope.BodyCase switch
        {
            Envelope.BodyOneofCase.GroupKeyNotification => HandleNotificationAsync(envelope, cancellationToken),
            Envelope.BodyOneofCase.GroupKeyDelete => HandleServerDeleteAsync(envelope, cancellationToken),
            _ => Unexpected(envelope),
        };
    }

    private Task<Envelope?> Unexpected(Envelope envelope)
    {
        Log.ServerBodyIgnored(_logger, envelope.BodyCase.ToString());
        return Task.FromResult<Envelope?>(null);
    }

    private async Task<Envelope?> HandleNotificationAsync(Envelope envelope, CancellationToken cancellationToken)
    {
        var notification = envelope.GroupKeyNotification;
        var reason = notification.Reason.ToString();
        var result = await Delivery.HandleNotificationAsync(
            new Delivery.GroupKeyNotification(notification.GroupId, notification.Epoch, notification.WrappedGroupKey.Memory, [.. notification.MemberPneIds], reason),
            cancellationToken).ConfigureAwait(false);

        // Step 6: one publish, retained, on the group's PN topic; PNEs that connect later get the latest epoch.
        if (result.Broadcast is { } broadcast && result.Status is GroupKeyNotificationStatus.Delivered or GroupKeyNotificationStatus.MembersChanged)
        {
            await PublishAsync(Topics.PnGroup(PnId, result.GroupId), ProtocolMapping.ToBroadcastEnvelope(broadcast, reason, GatewayId), retain: true, cancellationToken).ConfigureAwait(false);
            Log.Broadcast(_logger, result.GroupId, result.Epoch, result.ExpectedPneIds.Count);
        }

        // The epoch this one replaced before every member answered it: what it got is reported now, late answers after.
        if (result.Superseded is { } superseded)
        {
            await ReportDeliveryAsync(superseded, once: true, cancellationToken).ConfigureAwait(false);
        }

        // The server names a gateway's members in every notification and sends a GroupKeyDelete only when none is
        // left behind this gateway; a member that the new epoch no longer names left the group (or is
        // compromised) and is told here to erase what it holds (docs/protocol.md, "a member leaves").
        if (result.Status == GroupKeyNotificationStatus.Delivered)
        {
            var dropped = result.ReplacedMembers.Except(notification.MemberPneIds, StringComparer.Ordinal).Where(p => !_removed.ContainsKey(p)).ToList();
            var deleteReason = notification.Reason == GroupKeyReason.MemberCompromised ? GroupKeyDeleteReason.MemberCompromised : GroupKeyDeleteReason.MemberLeft;
            // Every epoch before the new one: the gateway's own last epoch can lag behind what the PNE already holds
            // when notifications of two epochs are handled at once, and a delete below the PNE's epoch would be stale.
            await ForwardMemberDeletesAsync(notification.GroupId, notification.Epoch - 1, deleteReason, dropped, cancellationToken).ConfigureAwait(false);
        }

        // Step 3: the Group Key Response.
        var response = new GroupKeyResponse { GroupId = notification.GroupId, Epoch = notification.Epoch, Status = ProtocolMapping.ToStatus(result.Status) };
        return EnvelopeCodec.CreateEnvelope(response, GatewayId, envelope);
    }

    private async Task ForwardMemberDeletesAsync(string groupId, ulong epoch, GroupKeyDeleteReason reason, List<string> pneIds, CancellationToken cancellationToken)
    {
        if (epoch == 0)
        {
            return;
        }

        foreach (var pneId in pneIds)
        {
            // One delete per PNE, naming only it; every epoch up to the last one it could open.
            var forward = new Protocol.V1.GroupKeyDelete { GroupId = groupId, Epoch = epoch, Reason = reason };
            forward.PneIds.Add(pneId);
            await PublishAsync(Topics.PneDown(PnId, pneId), EnvelopeCodec.CreateEnvelope(forward, GatewayId), retain: false, cancellationToken).ConfigureAwait(false);
        }

        if (pneIds.Count > 0)
        {
            Log.DeleteForwarded(_logger, groupId, epoch, GroupKeyDeleteStatus.MembersRemoved, pneIds.Count);
        }
    }

    private async Task<Envelope?> HandleServerDeleteAsync(Envelope envelope, CancellationToken cancellationToken)
    {
        var delete = envelope.GroupKeyDelete;
        var result = await Deletes.HandleDeleteAsync(
            new Delivery.GroupKeyDelete(delete.GroupId, delete.Epoch, delete.Reason.ToString(), [.. delete.PneIds]),
            cancellationToken).ConfigureAwait(false);

        foreach (var pneId in result.AffectedPneIds)
        {
            // One delete per PNE, naming only it: a PNE learns nothing about the others.
            var forward = new Protocol.V1.GroupKeyDelete { GroupId = result.GroupId, Epoch = result.Epoch, Reason = delete.Reason };
            forward.PneIds.Add(pneId);
            await PublishAsync(Topics.PneDown(PnId, pneId), EnvelopeCodec.CreateEnvelope(forward, GatewayId), retain: false, cancellationToken).ConfigureAwait(false);
        }

        if (result.ClearRetainedBroadcast && Topics.IsValidId(result.GroupId))
        {
            // MQTT 5 (3.3.1.3): a retained message with an empty payload removes the retained message of the topic.
            await PublishRawAsync(Topics.PnGroup(PnId, result.GroupId), ReadOnlyMemory<byte>.Empty, retain: true, cancellationToken).ConfigureAwait(false);
        }

        Log.DeleteForwarded(_logger, result.GroupId, result.Epoch, result.Status, result.AffectedPneIds.Count);
        var response = new GroupKeyDeleteResponse { GroupId = delete.GroupId, Epoch = delete.Epoch, Status = ProtocolMapping.ToStatus(result.Status) };
        return EnvelopeCodec.CreateEnvelope(response, GatewayId, envelope);
    }
}
