using System.Security.Cryptography;
using Cpns.Gateway;
using Cpns.Protocol;
using Cpns.Protocol.V1;
using Cpns.Server.Keys;
using Google.Protobuf;

namespace Cpns.Security.Tests.Support;

/// <summary>What an attacker with a position on the wire would send, built from the real keys and codecs.</summary>
internal static class Forge
{
    /// <summary>
    /// A Group Key Notification for <paramref name="epoch"/> as the server sends it: the epoch's real GK (read from the
    /// server's store, or random when <paramref name="randomKey"/>) wrapped under the gateway's real per-gateway key
    /// with the AD of docs/architecture.md. With <paramref name="flipTag"/> the last byte (the GCM tag) is flipped.
    /// </summary>
    public static async Task<byte[]> NotificationAsync(SecurityBed bed, PnNode node, string groupId, ulong epoch, string[] members, bool randomKey = false, bool flipTag = false)
    {
        var groupKey = new byte[GroupKeyService.KeySize];
        if (randomKey)
        {
            RandomNumberGenerator.Fill(groupKey);
        }
        else
        {
            Assert.True(await bed.Service<GroupKeyService>().TryReadGroupKeyAsync(Guid.Parse(groupId), (long)epoch, groupKey, SecurityBed.Ct));
        }

        var wrapped = node.Host.Store.GatewayKey!.Seal(groupKey, EndToEndAssociatedData.GroupKeyToGateway(node.GatewayId, groupId, epoch));
        CryptographicOperations.ZeroMemory(groupKey);
        if (flipTag)
        {
            wrapped[^1] ^= 0x01;
        }

        var notification = new GroupKeyNotification
        {
            GroupId = groupId,
            Epoch = epoch,
            Reason = GroupKeyReason.Created,
            WrappedGroupKey = ByteString.CopyFrom(wrapped),
            Scheme = BroadcastScheme.SubsetDifference,
        };
        notification.MemberPneIds.AddRange(members);
        return EnvelopeCodec.Encode(EnvelopeCodec.CreateEnvelope(notification, "cpns-server"));
    }

    /// <summary>The broadcast of <paramref name="epoch"/> the gateway published on the PN, as captured on the wire.</summary>
    public static byte[] CapturedBroadcast(PnNode node, string groupId, ulong epoch) =>
        node.Broadcasts(groupId).First(b => EnvelopeCodec.Decode(b).GroupKeyBroadcast.Epoch == epoch);

    /// <summary>Every distinct broadcast the gateway published on the PN, decoded to the crypto type.</summary>
    public static IEnumerable<Crypto.GroupKeyBroadcast> DecodedBroadcasts(PnNode node) =>
        node.Wire.Where(w => !w.Inbound && w.Payload.Length > 0 && Cpns.Transport.Topics.TryParse(w.Topic, out var t) && t.Kind == Cpns.Transport.TopicKind.PnGroup)
            .Select(w => EnvelopeCodec.Decode(w.Payload).GroupKeyBroadcast)
            .Select(ToCrypto);

    public static Crypto.GroupKeyBroadcast ToCrypto(GroupKeyBroadcast body) => new(
        (Crypto.BroadcastSchemeId)(byte)body.Scheme,
        (Crypto.CipherSuite)(ushort)body.Suite,
        body.PnId,
        body.GroupId,
        body.Epoch,
        body.Header.Memory,
        body.Nonce.Memory,
        body.SealedGroupKey.Memory);
}
