using System.Security.Cryptography;
using Cpns.Crypto;
using Cpns.Fuzz.Seeds;
using Cpns.Gateway;
using Cpns.Protocol;
using Cpns.Protocol.V1;
using Google.Protobuf;

namespace Cpns.Fuzz.Targets;

/// <summary>
/// The gateway's decoding of what the server sends on its down topic (ServerLink, GroupKeyDeliveryService): an
/// envelope (<see cref="EnvelopeCodec.TryDecode"/>); for a Group Key Notification, the associated data
/// (<see cref="EndToEndAssociatedData.GroupKeyToGateway"/>) and the unwrap of the Group Key under the gateway's
/// key (<see cref="WrappingKey.TryOpen"/>). None throws on a validated envelope.
/// </summary>
internal sealed class GatewayServerDownTarget : FuzzTarget
{
    private const string GatewayId = "gw-fuzz";
    private readonly WrappingKey _gatewayKey = FixedKeys.WrappingKey();

    public override string Name => "gateway-server-down";

    public override string Description => "the gateway's decoding of server messages: envelope, Group Key unwrap (no exception)";

    public override void Run(ReadOnlySpan<byte> input)
    {
        if (!EnvelopeCodec.TryDecode(input, out var envelope, out _))
        {
            return;
        }

        if (envelope.BodyCase == Envelope.BodyOneofCase.GroupKeyNotification)
        {
            var notification = envelope.GroupKeyNotification;
            var associatedData = EndToEndAssociatedData.GroupKeyToGateway(GatewayId, notification.GroupId, notification.Epoch);
            Span<byte> key = stackalloc byte[GroupKey.KeySize + WrappingKey.Overhead];
            if (_gatewayKey.TryOpen(notification.WrappedGroupKey.Span, associatedData, key, out var written))
            {
                GroupKey.Import(notification.GroupId, notification.Epoch, key[..written]).Dispose();
            }

            CryptographicOperations.ZeroMemory(key);
        }
    }

    public override IEnumerable<KeyValuePair<string, byte[]>> Seeds()
    {
        foreach (var body in new[] { Envelope.BodyOneofCase.GroupKeyNotification, Envelope.BodyOneofCase.GroupKeyDelete, Envelope.BodyOneofCase.SyncResponse })
        {
            yield return new($"sample-{body}", Cpns.Protocol.Tests.Samples.Encoded(body));
        }

        var envelope = Cpns.Protocol.Tests.Samples.For(Envelope.BodyOneofCase.GroupKeyNotification);
        var notification = envelope.GroupKeyNotification;
        var wrapped = _gatewayKey.Seal(FixedKeys.Bytes(GroupKey.KeySize, 0x42), EndToEndAssociatedData.GroupKeyToGateway(GatewayId, notification.GroupId, notification.Epoch));
        notification.WrappedGroupKey = ByteString.CopyFrom(wrapped);
        yield return new("valid-notification-wrapped-for-gw-fuzz", EnvelopeCodec.Encode(envelope));
    }
}
