using System.Globalization;
using Cpns.Device.Groups;
using Cpns.Device.Messaging;
using Cpns.Device.Storage;
using Cpns.Protocol;
using Cpns.Protocol.V1;
using Cpns.Transport;

namespace Cpns.Device.Client;

public sealed partial class DeviceClient
{
    private async Task OnMessageAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        var pnId = Store.PnId;
        if (!Topics.TryParse(message.Topic, out var topic) || !string.Equals(topic.PnId, pnId, StringComparison.Ordinal))
        {
            Count(DeviceInputRefusal.TopicMismatch, message.Topic, "not a topic of this PN");
            return;
        }

        try
        {
            switch (topic.Kind)
            {
                case TopicKind.PnGroup:
                    // An empty retained payload is the gateway clearing a deleted group's broadcast.
                    if (!message.Payload.IsEmpty && TryDecodeFromGateway(message, out var broadcastEnvelope))
                    {
                        await HandleEnvelopeAsync(pnId!, topic.GroupId, broadcastEnvelope, message.Topic, cancellationToken).ConfigureAwait(false);
                    }

                    break;
                case TopicKind.PneDown when string.Equals(topic.PneId, PneId, StringComparison.Ordinal):
                    if (TryDecodeFromGateway(message, out var downEnvelope))
                    {
                        await HandleEnvelopeAsync(pnId!, null, downEnvelope, message.Topic, cancellationToken).ConfigureAwait(false);
                    }

                    break;
                case TopicKind.PnMessages:
                    await HandleGroupMessageAsync(topic.GroupId!, message, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    Count(DeviceInputRefusal.TopicMismatch, message.Topic, "unexpected topic");
                    break;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (ConnectionLostException)
        {
            // Not a bad message: the link dropped under the answer; the connection logs it and reconnects.
            throw;
        }
        catch (Exception e)
        {
            // The outer boundary: one bad message never stops the PNE.
            _refusals.AddOrUpdate(DeviceInputRefusal.InternalError, 1, (_, n) => n + 1);
            Diagnostics.DeviceMetrics.InputRefused(DeviceInputRefusal.InternalError, null);
            Log.HandlingFailed(_logger, message.Topic, e);
        }
    }

    private bool TryDecodeFromGateway(ReceivedMessage message, out Envelope envelope)
    {
        envelope = null!;
        if (message.Payload.IsEmpty)
        {
            Count(DeviceInputRefusal.Empty, message.Topic, "empty payload");
            return false;
        }

        if (!EnvelopeCodec.TryDecode(message.Payload.Span, out var decoded, out var error))
        {
            Count(DeviceInputRefusal.MalformedEnvelope, message.Topic, error.ToString());
            return false;
        }

        if (!string.Equals(decoded.SenderId, Store.GatewayId, StringComparison.Ordinal))
        {
            Count(DeviceInputRefusal.WrongSender, message.Topic, "sender is not this PNE's gateway");
            return false;
        }

        envelope = decoded;
        return true;
    }

    private async Task HandleEnvelopeAsync(string pnId, string? topicGroupId, Envelope envelope, string topic, CancellationToken cancellationToken)
    {
        switch (envelope.BodyCase)
        {
            case Envelope.BodyOneofCase.GroupKeyBroadcast:
                await HandleBroadcastAsync(pnId, topicGroupId, envelope, topic, cancellationToken).ConfigureAwait(false);
                break;
            case Envelope.BodyOneofCase.GkdkAssignmentResponse when topicGroupId is null:
                await HandleGkdkResponseAsync(pnId, envelope.GkdkAssignmentResponse, topic, cancellationToken).ConfigureAwait(false);
                break;
            case Envelope.BodyOneofCase.GroupKeyDelete when topicGroupId is null:
                await HandleDeleteAsync(pnId, envelope, topic, cancellationToken).ConfigureAwait(false);
                break;
            default:
                Count(DeviceInputRefusal.UnexpectedBody, topic, envelope.BodyCase.ToString());
                break;
        }
    }

    private async Task HandleGkdkResponseAsync(string pnId, GkdkAssignmentResponse response, string topic, CancellationToken cancellationToken)
    {
        // Flow 6.1.2.2 step 5, the PNE's side: open the GKDK under the EU-Key inside the store.
        if (response.Status != Status.Ok)
        {
            Count(DeviceInputRefusal.GkdkRefused, topic, response.Status.ToString());
            Volatile.Read(ref _gkdkWaiter)?.TrySetResult(false);
            return;
        }

        var installed = await Store.InstallWrappedGkdkAsync(response.WrappedGkdk.Memory, GkdkAssociatedData.For(pnId, PneId, response.Leaf), cancellationToken).ConfigureAwait(false);
        if (!installed || Store.Leaf != (int)response.Leaf)
        {
            Count(DeviceInputRefusal.GkdkRefused, topic, "the GKDK does not open under the EU-Key");
            Volatile.Read(ref _gkdkWaiter)?.TrySetResult(false);
            return;
        }

        Log.GkdkInstalled(_logger, PneId, response.Leaf);
        Volatile.Read(ref _gkdkWaiter)?.TrySetResult(true);
    }

    private async Task HandleBroadcastAsync(string pnId, string? topicGroupId, Envelope envelope, string topic, CancellationToken cancellationToken)
    {
        var body = envelope.GroupKeyBroadcast;
        if (topicGroupId is not null && !string.Equals(body.GroupId, topicGroupId, StringComparison.Ordinal))
        {
            Count(DeviceInputRefusal.TopicMismatch, topic, "broadcast for another group than its topic");
            return;
        }

        // Flow 6.x.y step 8: decrypt the Group Key with the GKDK (the receiver checks PN, epoch rules, header).
        var broadcast = new Crypto.GroupKeyBroadcast(
            (Crypto.BroadcastSchemeId)(byte)body.Scheme,
            (Crypto.CipherSuite)(ushort)body.Suite,
            body.PnId,
            body.GroupId,
            body.Epoch,
            body.Header.Memory,
            body.Nonce.Memory,
            body.SealedGroupKey.Memory);
        var status = await _receiver.ReceiveAsync(broadcast, (GroupKeyUpdateReason)(int)body.Reason, cancellationToken).ConfigureAwait(false);
        if (status is not (GroupKeyReceiveStatus.Stored or GroupKeyReceiveStatus.Duplicate))
        {
            // The epoch in the detail: an operator (and `cpns demo`) can tell which broadcast the device could not open.
            Count(DeviceInputRefusal.GroupKeyNotStored, topic, string.Create(CultureInfo.InvariantCulture, $"{status} at epoch {body.Epoch}"), status.ToString());
        }
        else
        {
            Log.GroupKeyReceived(_logger, body.GroupId, body.Epoch, status);
        }

        // Step 7: the Group Key Response, correlated to the broadcast, whatever the outcome.
        var response = new PneGroupKeyResponse { PneId = PneId, GroupId = body.GroupId, Epoch = body.Epoch, Status = ToStatus(status) };
        await _connection!.PublishAsync(Topics.PneUp(pnId, PneId), EnvelopeCodec.Encode(EnvelopeCodec.CreateEnvelope(response, PneId, envelope)), cancellationToken: cancellationToken).ConfigureAwait(false);
        Notify(GroupKeyHandled, body.GroupId, body.Epoch, status);
        if (status == GroupKeyReceiveStatus.Stored)
        {
            foreach (var receipt in await _messenger.OpenHeldAsync(cancellationToken).ConfigureAwait(false))
            {
                Deliver(receipt, topic);
            }
        }
    }

    private async Task HandleDeleteAsync(string pnId, Envelope envelope, string topic, CancellationToken cancellationToken)
    {
        var delete = envelope.GroupKeyDelete;
        if (delete.PneIds.Count > 0 && !delete.PneIds.Contains(PneId))
        {
            Count(DeviceInputRefusal.TopicMismatch, topic, "delete for other PNEs");
            return;
        }

        var status = await _receiver.DeleteAsync(delete.GroupId, delete.Epoch, cancellationToken).ConfigureAwait(false);
        Log.GroupKeyDeleted(_logger, delete.GroupId, delete.Epoch, status);
        var response = new GroupKeyDeleteResponse
        {
            GroupId = delete.GroupId,
            Epoch = delete.Epoch,
            PneId = PneId,
            Status = status switch
            {
                GroupKeyDeleteStatus.Deleted => Status.Ok,
                GroupKeyDeleteStatus.Stale => Status.StaleEpoch,
                _ => Status.UnknownGroup,
            },
        };
        await _connection!.PublishAsync(Topics.PneUp(pnId, PneId), EnvelopeCodec.Encode(EnvelopeCodec.CreateEnvelope(response, PneId, envelope)), cancellationToken: cancellationToken).ConfigureAwait(false);
        Notify(GroupKeyDeleted, delete.GroupId, delete.Epoch, status);
    }

    private async Task HandleGroupMessageAsync(string groupId, ReceivedMessage message, CancellationToken cancellationToken)
    {
        var receipt = await _messenger.OpenAsync(message.Payload, cancellationToken).ConfigureAwait(false);
        if (receipt.Status != GroupMessageStatus.Opened && receipt.Status != GroupMessageStatus.Held && receipt.SenderPneId == PneId)
        {
            // Our own message relayed back to us: the replay window already knows it, or it is ours to ignore anyway.
            return;
        }

        if (receipt.Status == GroupMessageStatus.Opened && !string.Equals(receipt.GroupId, groupId, StringComparison.Ordinal))
        {
            Count(DeviceInputRefusal.TopicMismatch, message.Topic, "message for another group than its topic");
            return;
        }

        Deliver(receipt, message.Topic);
    }

    private void Deliver(GroupMessageReceipt receipt, string topic)
    {
        if (receipt.Status == GroupMessageStatus.Opened)
        {
            if (string.Equals(receipt.SenderPneId, PneId, StringComparison.Ordinal))
            {
                return;
            }

            _messages.Writer.TryWrite(receipt);
            Log.GroupMessageOpened(_logger, receipt.GroupId, receipt.Epoch, receipt.SenderPneId);
        }
        else if (receipt.Status != GroupMessageStatus.Held)
        {
            Count(DeviceInputRefusal.GroupMessageRefused, topic, receipt.Status.ToString());
        }
    }

    private void Notify<T>(Action<string, ulong, T>? callback, string groupId, ulong epoch, T status)
    {
        try
        {
            callback?.Invoke(groupId, epoch, status);
        }
        catch (Exception e)
        {
            Log.HandlingFailed(_logger, "callback", e);
        }
    }

    /// <summary>
    /// The PneGroupKeyResponse status of each outcome (docs/device-client.md): Stored and Duplicate are OK,
    /// Rollback STALE_EPOCH, NotARecipient NOT_A_RECIPIENT, AuthenticationFailed DECRYPT_FAILED, Malformed
    /// INVALID_REQUEST, WrongPn REJECTED.
    /// </summary>
    internal static Status ToStatus(GroupKeyReceiveStatus status) => status switch
    {
        GroupKeyReceiveStatus.Stored or GroupKeyReceiveStatus.Duplicate => Status.Ok,
        GroupKeyReceiveStatus.Rollback => Status.StaleEpoch,
        GroupKeyReceiveStatus.NotARecipient => Status.NotARecipient,
        GroupKeyReceiveStatus.AuthenticationFailed => Status.DecryptFailed,
        GroupKeyReceiveStatus.Malformed => Status.InvalidRequest,
        _ => Status.Rejected,
    };
}
