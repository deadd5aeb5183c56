using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cpns.Protocol.V1;
using Google.Protobuf;

namespace Cpns.Protocol.Tests;

/// <summary>
/// One valid envelope per body type, the starting point of every test; also compiled into fuzz/Cpns.Fuzz as the seeds
/// of its envelope targets, so it uses nothing of xunit (the theory data is in Samples.Theory.cs).
/// </summary>
internal static partial class Samples
{
    private static readonly byte[] Csr;
    private static readonly byte[] PneCertificate;
    private static readonly byte[] CaCertificate;

    static Samples()
    {
        // Real DER structures, so the DER check is exercised on what X.509 code actually produces.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=pne-a1", key, HashAlgorithmName.SHA256);
        Csr = request.CreateSigningRequest();
        var now = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using var pne = request.CreateSelfSigned(now, now.AddYears(1));
        PneCertificate = pne.RawData;
        using var ca = new CertificateRequest("CN=pn-a CA", key, HashAlgorithmName.SHA256).CreateSelfSigned(now, now.AddYears(5));
        CaCertificate = ca.RawData;
    }

    public static IReadOnlyList<Envelope.BodyOneofCase> AllBodyCases { get; } =
        [.. Enum.GetValues<Envelope.BodyOneofCase>().Where(c => c != Envelope.BodyOneofCase.None)];


    public static ByteString Bytes(int length, byte fill) => ByteString.CopyFrom(Enumerable.Repeat(fill, length).ToArray());

    public static ByteString EcPoint(byte fill)
    {
        var point = Enumerable.Repeat(fill, ProtocolLimits.EcPublicKeyLength).ToArray();
        point[0] = 0x04;
        return ByteString.CopyFrom(point);
    }

    /// <summary>A fresh, valid envelope carrying <paramref name="body"/>.</summary>
    public static Envelope For(Envelope.BodyOneofCase body)
    {
        var envelope = new Envelope
        {
            Version = 1,
            MessageId = ByteString.CopyFrom([.. Enumerable.Range(1, 16).Select(i => (byte)i)]),
            Suite = CipherSuites.Aes256GcmHkdfSha256,
            SentAtUnixMs = 1_735_689_600_000,
            SenderId = "gw-a",
        };
        switch (body)
        {
            case Envelope.BodyOneofCase.EuKeyAssignmentRequest:
                envelope.EuKeyAssignmentRequest = new() { PneId = "pne-a1", PairingId = Bytes(16, 0x21), PnePublicKey = EcPoint(0x22) };
                break;
            case Envelope.BodyOneofCase.EuKeyAssignmentResponse:
                envelope.EuKeyAssignmentResponse = new()
                {
                    Status = Status.Ok,
                    PnId = "pn-a",
                    GatewayId = "gw-a",
                    GatewayPublicKey = EcPoint(0x23),
                };
                break;
            case Envelope.BodyOneofCase.EuKeyAssignmentConfirm:
                envelope.EuKeyAssignmentConfirm = new()
                {
                    PairingId = Bytes(16, 0x21),
                    PneConfirmation = Bytes(32, 0x25),
                    CertificateSigningRequest = ByteString.CopyFrom(Csr),
                };
                break;
            case Envelope.BodyOneofCase.EuKeyAssignmentComplete:
                envelope.EuKeyAssignmentComplete = new()
                {
                    Status = Status.Ok,
                    PneCertificate = ByteString.CopyFrom(PneCertificate),
                    CaCertificate = ByteString.CopyFrom(CaCertificate),
                    GatewayConfirmation = Bytes(32, 0x24),
                };
                break;
            case Envelope.BodyOneofCase.GkdkAssignmentRequest:
                envelope.GkdkAssignmentRequest = new() { PneId = "pne-a1" };
                break;
            case Envelope.BodyOneofCase.GkdkAssignmentResponse:
                envelope.GkdkAssignmentResponse = new()
                {
                    Status = Status.Ok,
                    Leaf = 5,
                    TreeHeight = 4,
                    Scheme = BroadcastScheme.SubsetDifference,
                    WrappedGkdk = Bytes(12 + (16 * 10) + 16, 0x26),
                };
                break;
            case Envelope.BodyOneofCase.GroupKeyNotification:
                envelope.GroupKeyNotification = Notification("group-1", 3);
                break;
            case Envelope.BodyOneofCase.GroupKeyResponse:
                envelope.GroupKeyResponse = new() { GroupId = "group-1", Epoch = 3, Status = Status.Ok };
                break;
            case Envelope.BodyOneofCase.GroupKeyDeliveryReport:
                envelope.GroupKeyDeliveryReport = new()
                {
                    GroupId = "group-1",
                    Epoch = 3,
                    Deliveries =
                    {
                        new PneDelivery { PneId = "pne-a1", Status = Status.Ok },
                        new PneDelivery { PneId = "pne-a2", Status = Status.Timeout },
                    },
                };
                break;
            case Envelope.BodyOneofCase.GroupKeyBroadcast:
                envelope.GroupKeyBroadcast = new()
                {
                    PnId = "pn-a",
                    GroupId = "group-1",
                    Epoch = 3,
                    Scheme = BroadcastScheme.SubsetDifference,
                    Suite = CipherSuites.Aes256GcmHkdfSha256,
                    Header = Bytes(40, 0x27),
                    Nonce = Bytes(12, 0x28),
                    SealedGroupKey = Bytes(48, 0x29),
                    Reason = GroupKeyReason.Rotated,
                };
                break;
            case Envelope.BodyOneofCase.PneGroupKeyResponse:
                envelope.PneGroupKeyResponse = new() { PneId = "pne-a1", GroupId = "group-1", Epoch = 3, Status = Status.NotARecipient };
                break;
            case Envelope.BodyOneofCase.GroupKeyDelete:
                envelope.GroupKeyDelete = Delete("group-1", 3);
                break;
            case Envelope.BodyOneofCase.GroupKeyDeleteResponse:
                envelope.GroupKeyDeleteResponse = new() { GroupId = "group-1", Epoch = 3, PneId = "pne-a3", Status = Status.Ok };
                break;
            case Envelope.BodyOneofCase.SyncRequest:
                envelope.SyncRequest = new()
                {
                    Known = { new GroupEpoch { GroupId = "group-1", Epoch = 2 }, new GroupEpoch { GroupId = "group-2", Epoch = 7 } },
                };
                break;
            case Envelope.BodyOneofCase.SyncResponse:
                envelope.SyncResponse = new()
                {
                    Latest = { Notification("group-1", 3), Notification("group-3", 1) },
                    Deletes = { Delete("group-2", 7) },
                };
                break;
            case Envelope.BodyOneofCase.PnInventoryReport:
                envelope.PnInventoryReport = new()
                {
                    PnId = "pn-a",
                    Registered =
                    {
                        new PneRegistration { PneId = "pne-a1", Alias = "Kitchen speaker 🔊", RegisteredAtUnixMs = 1_735_000_000_000 },
                        new PneRegistration { PneId = "pne-a2", Alias = string.Empty, RegisteredAtUnixMs = 1_735_000_000_001 },
                    },
                    RemovedPneIds = { "pne-a9" },
                };
                break;
            case Envelope.BodyOneofCase.PnInventoryAck:
                envelope.PnInventoryAck = new() { Status = Status.Ok };
                break;
            case Envelope.BodyOneofCase.CreateServiceGroup:
                envelope.CreateServiceGroup = new()
                {
                    Name = "Family photos",
                    Members = { Member("gw-a", "pne-a1"), Member("gw-a", "pne-a2"), Member("gw-b", "pne-a1") },
                    Policy = new GroupPolicy { RotationIntervalSeconds = 86_400, RotateOnJoin = true },
                };
                break;
            case Envelope.BodyOneofCase.DeleteServiceGroup:
                envelope.DeleteServiceGroup = new() { GroupId = "group-1" };
                break;
            case Envelope.BodyOneofCase.AddMember:
                envelope.AddMember = new() { GroupId = "group-1", Member = Member("gw-a", "pne-a3") };
                break;
            case Envelope.BodyOneofCase.RemoveMember:
                envelope.RemoveMember = new() { GroupId = "group-1", Member = Member("gw-a", "pne-a3") };
                break;
            case Envelope.BodyOneofCase.CompromiseMember:
                envelope.CompromiseMember = new() { GroupId = "group-1", Member = Member("gw-a", "pne-a2") };
                break;
            case Envelope.BodyOneofCase.RotateGroupKey:
                envelope.RotateGroupKey = new() { GroupId = "group-1" };
                break;
            case Envelope.BodyOneofCase.ServiceGroupResult:
                envelope.ServiceGroupResult = new() { Status = Status.Ok, GroupId = "group-1", Epoch = 4 };
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(body), body, "no sample for this body");
        }

        // Responses must name the request they answer.
        if (body is Envelope.BodyOneofCase.EuKeyAssignmentResponse or Envelope.BodyOneofCase.EuKeyAssignmentConfirm
            or Envelope.BodyOneofCase.EuKeyAssignmentComplete or Envelope.BodyOneofCase.GkdkAssignmentResponse
            or Envelope.BodyOneofCase.GroupKeyResponse or Envelope.BodyOneofCase.PneGroupKeyResponse
            or Envelope.BodyOneofCase.GroupKeyDeleteResponse or Envelope.BodyOneofCase.SyncResponse
            or Envelope.BodyOneofCase.PnInventoryAck or Envelope.BodyOneofCase.ServiceGroupResult)
        {
            envelope.CorrelationId = Bytes(16, 0xC0);
        }

        return envelope;
    }

    /// <summary>The sample for <paramref name="body"/>, encoded.</summary>
    public static byte[] Encoded(Envelope.BodyOneofCase body) => For(body).ToByteArray();

    private static GroupKeyNotification Notification(string groupId, ulong epoch) => new()
    {
        GroupId = groupId,
        Epoch = epoch,
        Reason = GroupKeyReason.MemberLeft,
        WrappedGroupKey = Bytes(60, 0x2A),
        MemberPneIds = { "pne-a1", "pne-a2" },
        Scheme = BroadcastScheme.SubsetDifference,
    };

    private static GroupKeyDelete Delete(string groupId, ulong epoch) => new()
    {
        GroupId = groupId,
        Epoch = epoch,
        Reason = GroupKeyDeleteReason.MemberLeft,
        PneIds = { "pne-a3" },
    };

    private static MemberRef Member(string gatewayId, string pneId) => new() { GatewayId = gatewayId, PneId = pneId };
}
