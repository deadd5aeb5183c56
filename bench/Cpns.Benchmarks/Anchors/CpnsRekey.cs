using System.Security.Cryptography;
using Cpns.Crypto;
using Cpns.Gateway;
using Cpns.Protocol;
using Cpns.Protocol.V1;
using BroadcastScheme = Cpns.Crypto.BroadcastScheme;
using CryptoBroadcast = Cpns.Crypto.GroupKeyBroadcast;
using WireBroadcast = Cpns.Protocol.V1.GroupKeyBroadcast;

namespace Cpns.Benchmarks.Anchors;

/// <summary>
/// One Cpns rekey after a member leaves, end to end, for a group of N members spread evenly over P PNs
/// (leaves 0..N/P-1 of each PN Gateway's tree, h = 16): the CPNS Server makes the new Group Key and one
/// Group Key Notification per gateway that still has a member (the GK wrapped under the gateway's key,
/// the member list; src/Cpns.Server/Deliveries/DeliveryContent.cs), every such gateway opens its
/// notification and broadcasts the GK to its PN (src/Cpns.Gateway/Delivery/GroupKeyDeliveryService.cs),
/// and one member opens the broadcast (src/Cpns.Device). Messages are the real envelopes
/// (<see cref="EnvelopeCodec"/>, validated on decode), so their sizes are what crosses the broker.
/// </summary>
/// <remarks>
/// What is counted is the CPU work of those code paths minus their storage and transport: the AES-GCM
/// opens and seals of keys at rest that the server and gateway do per delivery are counted (one AES-GCM
/// call on 32 bytes each, as SecretProtector and SecretSealer do), database reads and writes and MQTT
/// are not, just as the MLS side counts no storage or delivery service. GroupKeyWrap (internal to
/// Cpns.Server) is <c>WrappingKey.Import(gatewayKey).Seal(gk, EndToEndAssociatedData.GroupKeyToGateway(...))</c>;
/// the same two calls are made here.
/// </remarks>
internal sealed class CpnsRekey : IDisposable
{
    public const int Height = 16;
    private const string ServerId = "cpns-server";
    private const ulong Epoch = 2;
    private static readonly byte[] AtRestLabel = "bench/at-rest"u8.ToArray();

    private readonly BroadcastScheme _scheme;
    private readonly WrappingKey _serverAtRest = WrappingKey.Create();
    private readonly WrappingKey _gatewayAtRest = WrappingKey.Create();
    private readonly PnGateway[] _gateways;
    private readonly Gkdk _memberGkdk;

    public CpnsRekey(int members, int pns, BroadcastScheme scheme)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(members, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(pns, 1);
        if (members % pns != 0)
        {
            throw new ArgumentException("The members must spread evenly over the PNs.", nameof(pns));
        }

        _scheme = scheme;
        Members = members;
        Pns = pns;
        PerPn = members / pns;
        GroupId = Guid.NewGuid().ToString("D");

        // The member that leaves: the same position as on the MLS side (index N/3).
        RemovedIndex = members / 3;
        var gateways = new List<PnGateway>();
        for (var pn = 0; pn < pns; pn++)
        {
            var leaves = new List<int>();
            for (var leaf = 0; leaf < PerPn; leaf++)
            {
                if ((pn * PerPn) + leaf != RemovedIndex)
                {
                    leaves.Add(leaf);
                }
            }

            // A gateway left with no member gets no notification (DeliveryContent: "the row is moot").
            if (leaves.Count > 0)
            {
                gateways.Add(new PnGateway(pn, leaves.ToArray(), _serverAtRest));
            }
        }

        _gateways = [.. gateways];

        // The member measured: in the PN of the removed member when it has one left, the Subset Difference member
        // whose decryption takes the most label steps there (the same choice as the crypto benchmarks).
        var measured = _gateways.FirstOrDefault(g => g.Pn == RemovedIndex / PerPn) ?? _gateways[0];
        MeasuredGateway = Array.IndexOf(_gateways, measured);
        MeasuredLeaf = Workload.WorstSdMember(Height, measured.Leaves).Leaf;
        _memberGkdk = scheme.DeriveGkdk(measured.KeyMaterial, MeasuredLeaf);
    }

    public int Members { get; }

    public int Pns { get; }

    public int PerPn { get; }

    public int RemovedIndex { get; }

    public string GroupId { get; }

    /// <summary>Gateways that receive a notification: every PN with a member left.</summary>
    public int GatewaysNotified => _gateways.Length;

    public int MeasuredGateway { get; }

    public int MeasuredLeaf { get; }

    /// <summary>
    /// The server side: a fresh Group Key, sealed at rest, then for every gateway with a member, the
    /// notification envelope. Returns the key (for checks) and one encoded envelope per gateway.
    /// </summary>
    public byte[][] ServerRekey(Span<byte> newGroupKey)
    {
        RandomNumberGenerator.Fill(newGroupKey);
        var sealedGroupKey = _serverAtRest.Seal(newGroupKey, AtRestLabel);
        var notifications = new byte[_gateways.Length][];
        Span<byte> buffer = stackalloc byte[64];
        var groupKey = buffer[..32];
        var gatewayKey = buffer[32..];
        try
        {
            for (var g = 0; g < _gateways.Length; g++)
            {
                var gateway = _gateways[g];

                // DeliveryContent.BuildAsync: read the epoch's key and the gateway's key (both sealed at rest), wrap.
                if (!_serverAtRest.TryOpen(sealedGroupKey, AtRestLabel, groupKey, out _)
                    || !_serverAtRest.TryOpen(gateway.SealedKeyAtServer, gateway.AtRestLabel, gatewayKey, out _))
                {
                    throw new CryptographicException("A key at rest did not open.");
                }

                using var wrapping = WrappingKey.Import(gatewayKey);
                var notification = new GroupKeyNotification
                {
                    GroupId = GroupId,
                    Epoch = Epoch,
                    Reason = GroupKeyReason.MemberLeft,
                    WrappedGroupKey = Google.Protobuf.ByteString.CopyFrom(wrapping.Seal(groupKey, EndToEndAssociatedData.GroupKeyToGateway(gateway.Id, GroupId, Epoch))),
                    Scheme = (Protocol.V1.BroadcastScheme)(int)_scheme.Id,
                };
                notification.MemberPneIds.AddRange(gateway.MemberIds);
                notifications[g] = EnvelopeCodec.Encode(EnvelopeCodec.CreateEnvelope(notification, ServerId));
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }

        return notifications;
    }

    /// <summary>Gateway <paramref name="g"/>: opens its notification and returns the broadcast envelope for its PN.</summary>
    public byte[] GatewayBroadcast(int g, byte[] notificationEnvelope)
    {
        var gateway = _gateways[g];
        var notification = EnvelopeCodec.Decode(notificationEnvelope).GroupKeyNotification;
        Span<byte> keyBytes = stackalloc byte[32];
        try
        {
            // GroupKeyDeliveryService: open the wrapped key, keep it sealed at rest, resolve the members' leaves, broadcast.
            if (!gateway.GatewayKey.TryOpen(notification.WrappedGroupKey.Span, EndToEndAssociatedData.GroupKeyToGateway(gateway.Id, notification.GroupId, notification.Epoch), keyBytes, out _))
            {
                throw new CryptographicException("The notification did not open.");
            }

            _ = _gatewayAtRest.Seal(keyBytes, AtRestLabel);
            var leaves = new int[notification.MemberPneIds.Count];
            for (var i = 0; i < leaves.Length; i++)
            {
                leaves[i] = gateway.LeafOf[notification.MemberPneIds[i]];
            }

            using var groupKey = GroupKey.Import(notification.GroupId, notification.Epoch, keyBytes);
            var broadcast = _scheme.Encrypt(gateway.KeyMaterial, leaves, groupKey, gateway.PnId);
            var message = new WireBroadcast
            {
                PnId = broadcast.PnId,
                GroupId = broadcast.GroupId,
                Epoch = broadcast.Epoch,
                Scheme = (Protocol.V1.BroadcastScheme)(int)broadcast.Scheme,
                Suite = (uint)broadcast.Suite,
                Header = Google.Protobuf.ByteString.CopyFrom(broadcast.Header.Span),
                Nonce = Google.Protobuf.ByteString.CopyFrom(broadcast.Nonce.Span),
                SealedGroupKey = Google.Protobuf.ByteString.CopyFrom(broadcast.SealedKey.Span),
                Reason = notification.Reason,
            };
            return EnvelopeCodec.Encode(EnvelopeCodec.CreateEnvelope(message, gateway.Id));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keyBytes);
        }
    }

    /// <summary>The measured member: decodes its PN's broadcast and opens the Group Key with its GKDK.</summary>
    public BroadcastDecryptStatus MemberDecrypt(byte[] broadcastEnvelope, Span<byte> groupKey) =>
        Decrypt(_memberGkdk, broadcastEnvelope, groupKey);

    /// <summary>
    /// Runs the whole rekey once and opens every PN's broadcast with every assigned leaf's GKDK: each member
    /// must get the new key, the removed member none. For tests and a check before measuring; slow at large N.
    /// </summary>
    public bool VerifyEveryMember()
    {
        Span<byte> expected = stackalloc byte[32];
        Span<byte> actual = stackalloc byte[32];
        var notifications = ServerRekey(expected);
        for (var g = 0; g < _gateways.Length; g++)
        {
            var gateway = _gateways[g];
            var broadcast = GatewayBroadcast(g, notifications[g]);
            for (var leaf = 0; leaf < PerPn; leaf++)
            {
                using var gkdk = _scheme.DeriveGkdk(gateway.KeyMaterial, leaf);
                var status = Decrypt(gkdk, broadcast, actual);
                var isMember = (gateway.Pn * PerPn) + leaf != RemovedIndex;
                if (isMember != (status == BroadcastDecryptStatus.Success)
                    || (isMember && !CryptographicOperations.FixedTimeEquals(expected, actual))
                    || (!isMember && status != BroadcastDecryptStatus.NotARecipient))
                {
                    return false;
                }
            }
        }

        return true;
    }

    public void Dispose()
    {
        _memberGkdk.Dispose();
        _serverAtRest.Dispose();
        _gatewayAtRest.Dispose();
        foreach (var gateway in _gateways)
        {
            gateway.Dispose();
        }
    }

    private static BroadcastDecryptStatus Decrypt(Gkdk gkdk, byte[] broadcastEnvelope, Span<byte> groupKey)
    {
        // DeviceClient.HandleBroadcastAsync: the envelope is decoded and validated, then the broadcast opened.
        var body = EnvelopeCodec.Decode(broadcastEnvelope).GroupKeyBroadcast;
        var broadcast = new CryptoBroadcast(
            (BroadcastSchemeId)(byte)body.Scheme,
            (CipherSuite)(ushort)body.Suite,
            body.PnId,
            body.GroupId,
            body.Epoch,
            body.Header.Memory,
            body.Nonce.Memory,
            body.SealedGroupKey.Memory);
        var status = BroadcastScheme.Get(gkdk.Scheme).TryDecrypt(gkdk, broadcast, out var key);
        if (key is not null)
        {
            key.ExportKey(groupKey);
            key.Dispose();
        }

        return status;
    }
}
