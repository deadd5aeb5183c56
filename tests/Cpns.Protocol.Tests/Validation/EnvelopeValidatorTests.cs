using Cpns.Protocol.V1;
using Google.Protobuf;
using B = Cpns.Protocol.V1.Envelope.BodyOneofCase;
using C = Cpns.Protocol.ProtocolErrorCode;

namespace Cpns.Protocol.Tests.Validation;

/// <summary>
/// Every rule of docs/protocol.md, each broken once on an otherwise valid sample and fed through
/// the decoder: the decode fails with the rule's code and the offending field's path.
/// </summary>
public sealed class EnvelopeValidatorTests
{
    private static readonly string TooLongId = new('a', ProtocolLimits.MaxIdentifierLength + 1);

    private static readonly Dictionary<string, Case> Cases = new Case[]
    {
        // Envelope header
        new("version 0", B.RotateGroupKey, e => e.Version = 0, C.UnknownVersion, "version"),
        new("version 2", B.RotateGroupKey, e => e.Version = 2, C.UnknownVersion, "version"),
        new("suite 0", B.RotateGroupKey, e => e.Suite = 0, C.UnsupportedSuite, "suite"),
        new("suite 2", B.RotateGroupKey, e => e.Suite = 2, C.UnsupportedSuite, "suite"),
        new("message_id missing", B.RotateGroupKey, e => e.MessageId = ByteString.Empty, C.MissingField, "message_id"),
        new("message_id 15 bytes", B.RotateGroupKey, e => e.MessageId = Samples.Bytes(15, 1), C.InvalidLength, "message_id"),
        new("message_id 17 bytes", B.RotateGroupKey, e => e.MessageId = Samples.Bytes(17, 1), C.InvalidLength, "message_id"),
        new("message_id all zeros", B.RotateGroupKey, e => e.MessageId = Samples.Bytes(16, 0), C.InvalidFormat, "message_id"),
        new("correlation_id 8 bytes", B.RotateGroupKey, e => e.CorrelationId = Samples.Bytes(8, 1), C.InvalidLength, "correlation_id"),
        new("response without correlation_id", B.GroupKeyResponse, e => e.CorrelationId = ByteString.Empty, C.MissingField, "correlation_id"),
        new("sync response without correlation_id", B.SyncResponse, e => e.CorrelationId = ByteString.Empty, C.MissingField, "correlation_id"),
        new("sent_at 0", B.RotateGroupKey, e => e.SentAtUnixMs = 0, C.OutOfRange, "sent_at_unix_ms"),
        new("sent_at negative", B.RotateGroupKey, e => e.SentAtUnixMs = -1, C.OutOfRange, "sent_at_unix_ms"),
        new("sent_at past year 9999", B.RotateGroupKey, e => e.SentAtUnixMs = ProtocolLimits.MaxUnixTimeMilliseconds + 1, C.OutOfRange, "sent_at_unix_ms"),
        new("sender_id missing", B.RotateGroupKey, e => e.SenderId = string.Empty, C.MissingField, "sender_id"),
        new("sender_id with space", B.RotateGroupKey, e => e.SenderId = "gw a", C.InvalidIdentifier, "sender_id"),
        new("sender_id with slash", B.RotateGroupKey, e => e.SenderId = "gw/a", C.InvalidIdentifier, "sender_id"),
        new("sender_id non-ASCII", B.RotateGroupKey, e => e.SenderId = "gw-ä", C.InvalidIdentifier, "sender_id"),
        new("sender_id 129 chars", B.RotateGroupKey, e => e.SenderId = TooLongId, C.InvalidIdentifier, "sender_id"),
        new("no body", B.RotateGroupKey, e => e.ClearBody(), C.MissingBody, "body"),

        // PN registration
        new("pairing pne_id invalid", B.EuKeyAssignmentRequest, e => e.EuKeyAssignmentRequest.PneId = "pne*1", C.InvalidIdentifier, "eu_key_assignment_request.pne_id"),
        new("pairing_id 15 bytes", B.EuKeyAssignmentRequest, e => e.EuKeyAssignmentRequest.PairingId = Samples.Bytes(15, 1), C.InvalidLength, "eu_key_assignment_request.pairing_id"),
        new("pne_public_key 64 bytes", B.EuKeyAssignmentRequest, e => e.EuKeyAssignmentRequest.PnePublicKey = Samples.Bytes(64, 4), C.InvalidLength, "eu_key_assignment_request.pne_public_key"),
        new("pne_public_key compressed", B.EuKeyAssignmentRequest, e => e.EuKeyAssignmentRequest.PnePublicKey = Samples.Bytes(65, 2), C.InvalidFormat, "eu_key_assignment_request.pne_public_key"),
        new("pne_public_key missing", B.EuKeyAssignmentRequest, e => e.EuKeyAssignmentRequest.PnePublicKey = ByteString.Empty, C.MissingField, "eu_key_assignment_request.pne_public_key"),
        new("gateway_public_key 66 bytes", B.EuKeyAssignmentResponse, e => e.EuKeyAssignmentResponse.GatewayPublicKey = Samples.Bytes(66, 4), C.InvalidLength, "eu_key_assignment_response.gateway_public_key"),
        new("gateway_confirmation 31 bytes", B.EuKeyAssignmentComplete, e => e.EuKeyAssignmentComplete.GatewayConfirmation = Samples.Bytes(31, 1), C.InvalidLength, "eu_key_assignment_complete.gateway_confirmation"),
        new("pairing response OK without pn_id", B.EuKeyAssignmentResponse, e => e.EuKeyAssignmentResponse.PnId = string.Empty, C.MissingField, "eu_key_assignment_response.pn_id"),
        new("pairing refusal with key", B.EuKeyAssignmentResponse, e => e.EuKeyAssignmentResponse.Status = Status.AuthenticationFailed, C.UnexpectedField, "eu_key_assignment_response.gateway_public_key"),
        new("pairing response status unspecified", B.EuKeyAssignmentResponse, e => e.EuKeyAssignmentResponse.Status = Status.Unspecified, C.MissingField, "eu_key_assignment_response.status"),
        new("pairing response status undefined", B.EuKeyAssignmentResponse, e => e.EuKeyAssignmentResponse.Status = (Status)99, C.UnknownEnumValue, "eu_key_assignment_response.status"),
        new("pne_confirmation 33 bytes", B.EuKeyAssignmentConfirm, e => e.EuKeyAssignmentConfirm.PneConfirmation = Samples.Bytes(33, 1), C.InvalidLength, "eu_key_assignment_confirm.pne_confirmation"),
        new("csr not DER", B.EuKeyAssignmentConfirm, e => e.EuKeyAssignmentConfirm.CertificateSigningRequest = Samples.Bytes(100, 0x42), C.InvalidFormat, "eu_key_assignment_confirm.certificate_signing_request"),
        new("csr with trailing byte", B.EuKeyAssignmentConfirm, e => e.EuKeyAssignmentConfirm.CertificateSigningRequest = ByteString.CopyFrom([.. e.EuKeyAssignmentConfirm.CertificateSigningRequest, (byte)0]), C.InvalidFormat, "eu_key_assignment_confirm.certificate_signing_request"),
        new("csr over 4 KiB", B.EuKeyAssignmentConfirm, e => e.EuKeyAssignmentConfirm.CertificateSigningRequest = Samples.Bytes(4097, 0x30), C.InvalidLength, "eu_key_assignment_confirm.certificate_signing_request"),
        new("csr missing", B.EuKeyAssignmentConfirm, e => e.EuKeyAssignmentConfirm.CertificateSigningRequest = ByteString.Empty, C.MissingField, "eu_key_assignment_confirm.certificate_signing_request"),
        new("pne_certificate over 8 KiB", B.EuKeyAssignmentComplete, e => e.EuKeyAssignmentComplete.PneCertificate = Samples.Bytes(8193, 0x30), C.InvalidLength, "eu_key_assignment_complete.pne_certificate"),
        new("ca_certificate truncated", B.EuKeyAssignmentComplete, e => e.EuKeyAssignmentComplete.CaCertificate = ByteString.CopyFrom(e.EuKeyAssignmentComplete.CaCertificate.Span[..^1]), C.InvalidFormat, "eu_key_assignment_complete.ca_certificate"),
        new("pairing failure with certificate", B.EuKeyAssignmentComplete, e => e.EuKeyAssignmentComplete.Status = Status.Rejected, C.UnexpectedField, "eu_key_assignment_complete.pne_certificate"),

        // 6.1.2.2 GKDK assignment
        new("gkdk pne_id missing", B.GkdkAssignmentRequest, e => e.GkdkAssignmentRequest.PneId = string.Empty, C.MissingField, "gkdk_assignment_request.pne_id"),
        new("tree_height 0", B.GkdkAssignmentResponse, e => e.GkdkAssignmentResponse.TreeHeight = 0, C.OutOfRange, "gkdk_assignment_response.tree_height"),
        new("tree_height 25", B.GkdkAssignmentResponse, e => e.GkdkAssignmentResponse.TreeHeight = 25, C.OutOfRange, "gkdk_assignment_response.tree_height"),
        new("leaf equals 2^height", B.GkdkAssignmentResponse, e => e.GkdkAssignmentResponse.Leaf = 16, C.OutOfRange, "gkdk_assignment_response.leaf"),
        new("leaf at height 24 too large", B.GkdkAssignmentResponse, e => { e.GkdkAssignmentResponse.TreeHeight = 24; e.GkdkAssignmentResponse.Leaf = 1u << 24; }, C.OutOfRange, "gkdk_assignment_response.leaf"),
        new("leaf max uint", B.GkdkAssignmentResponse, e => e.GkdkAssignmentResponse.Leaf = uint.MaxValue, C.OutOfRange, "gkdk_assignment_response.leaf"),
        new("gkdk scheme unspecified", B.GkdkAssignmentResponse, e => e.GkdkAssignmentResponse.Scheme = BroadcastScheme.Unspecified, C.MissingField, "gkdk_assignment_response.scheme"),
        new("gkdk scheme undefined", B.GkdkAssignmentResponse, e => e.GkdkAssignmentResponse.Scheme = (BroadcastScheme)4, C.UnknownEnumValue, "gkdk_assignment_response.scheme"),
        new("wrapped_gkdk 27 bytes", B.GkdkAssignmentResponse, e => e.GkdkAssignmentResponse.WrappedGkdk = Samples.Bytes(27, 1), C.InvalidLength, "gkdk_assignment_response.wrapped_gkdk"),
        new("wrapped_gkdk over 1 MiB", B.GkdkAssignmentResponse, e => e.GkdkAssignmentResponse.WrappedGkdk = Samples.Bytes((1024 * 1024) + 1, 1), C.InvalidLength, "gkdk_assignment_response.wrapped_gkdk"),
        new("gkdk refusal with gkdk", B.GkdkAssignmentResponse, e => { e.GkdkAssignmentResponse.Status = Status.UnknownPne; e.GkdkAssignmentResponse.Leaf = 0; e.GkdkAssignmentResponse.TreeHeight = 0; e.GkdkAssignmentResponse.Scheme = 0; }, C.UnexpectedField, "gkdk_assignment_response.wrapped_gkdk"),

        // 6.x.y Group Key delivery, server leg
        new("notification epoch 0", B.GroupKeyNotification, e => e.GroupKeyNotification.Epoch = 0, C.OutOfRange, "group_key_notification.epoch"),
        new("notification group_id invalid", B.GroupKeyNotification, e => e.GroupKeyNotification.GroupId = "group 1", C.InvalidIdentifier, "group_key_notification.group_id"),
        new("notification reason unspecified", B.GroupKeyNotification, e => e.GroupKeyNotification.Reason = GroupKeyReason.Unspecified, C.MissingField, "group_key_notification.reason"),
        new("notification reason undefined", B.GroupKeyNotification, e => e.GroupKeyNotification.Reason = (GroupKeyReason)7, C.UnknownEnumValue, "group_key_notification.reason"),
        new("wrapped_group_key 59 bytes", B.GroupKeyNotification, e => e.GroupKeyNotification.WrappedGroupKey = Samples.Bytes(59, 1), C.InvalidLength, "group_key_notification.wrapped_group_key"),
        new("wrapped_group_key 61 bytes", B.GroupKeyNotification, e => e.GroupKeyNotification.WrappedGroupKey = Samples.Bytes(61, 1), C.InvalidLength, "group_key_notification.wrapped_group_key"),
        new("member_pne_ids empty", B.GroupKeyNotification, e => e.GroupKeyNotification.MemberPneIds.Clear(), C.InvalidLength, "group_key_notification.member_pne_ids"),
        new("member_pne_ids duplicate", B.GroupKeyNotification, e => e.GroupKeyNotification.MemberPneIds.Add("pne-a1"), C.Duplicate, "group_key_notification.member_pne_ids[2]"),
        new("member_pne_ids invalid", B.GroupKeyNotification, e => e.GroupKeyNotification.MemberPneIds[1] = TooLongId, C.InvalidIdentifier, "group_key_notification.member_pne_ids[1]"),
        new("notification scheme unspecified", B.GroupKeyNotification, e => e.GroupKeyNotification.Scheme = BroadcastScheme.Unspecified, C.MissingField, "group_key_notification.scheme"),
        new("group key response epoch 0", B.GroupKeyResponse, e => e.GroupKeyResponse.Epoch = 0, C.OutOfRange, "group_key_response.epoch"),
        new("group key response status unspecified", B.GroupKeyResponse, e => e.GroupKeyResponse.Status = Status.Unspecified, C.MissingField, "group_key_response.status"),
        new("delivery report empty", B.GroupKeyDeliveryReport, e => e.GroupKeyDeliveryReport.Deliveries.Clear(), C.InvalidLength, "group_key_delivery_report.deliveries"),
        new("delivery report duplicate", B.GroupKeyDeliveryReport, e => e.GroupKeyDeliveryReport.Deliveries[1].PneId = "pne-a1", C.Duplicate, "group_key_delivery_report.deliveries[1].pne_id"),
        new("delivery report status undefined", B.GroupKeyDeliveryReport, e => e.GroupKeyDeliveryReport.Deliveries[0].Status = (Status)1000, C.UnknownEnumValue, "group_key_delivery_report.deliveries[0].status"),

        // 6.x.y Group Key delivery, PN leg
        new("broadcast epoch 0", B.GroupKeyBroadcast, e => e.GroupKeyBroadcast.Epoch = 0, C.OutOfRange, "group_key_broadcast.epoch"),
        new("broadcast pn_id missing", B.GroupKeyBroadcast, e => e.GroupKeyBroadcast.PnId = string.Empty, C.MissingField, "group_key_broadcast.pn_id"),
        new("broadcast suite 2", B.GroupKeyBroadcast, e => e.GroupKeyBroadcast.Suite = 2, C.UnsupportedSuite, "group_key_broadcast.suite"),
        new("broadcast nonce 11 bytes", B.GroupKeyBroadcast, e => e.GroupKeyBroadcast.Nonce = Samples.Bytes(11, 1), C.InvalidLength, "group_key_broadcast.nonce"),
        new("broadcast nonce missing", B.GroupKeyBroadcast, e => e.GroupKeyBroadcast.Nonce = ByteString.Empty, C.MissingField, "group_key_broadcast.nonce"),
        new("sealed_group_key 47 bytes", B.GroupKeyBroadcast, e => e.GroupKeyBroadcast.SealedGroupKey = Samples.Bytes(47, 1), C.InvalidLength, "group_key_broadcast.sealed_group_key"),
        new("sealed_group_key 60 bytes", B.GroupKeyBroadcast, e => e.GroupKeyBroadcast.SealedGroupKey = Samples.Bytes(60, 1), C.InvalidLength, "group_key_broadcast.sealed_group_key"),
        new("broadcast reason unspecified", B.GroupKeyBroadcast, e => e.GroupKeyBroadcast.Reason = GroupKeyReason.Unspecified, C.MissingField, "group_key_broadcast.reason"),
        new("broadcast header over 4 MiB", B.GroupKeyBroadcast, e => e.GroupKeyBroadcast.Header = Samples.Bytes(ProtocolLimits.MaxBroadcastHeaderLength + 1, 0), C.InvalidLength, "group_key_broadcast.header"),
        new("broadcast scheme undefined", B.GroupKeyBroadcast, e => e.GroupKeyBroadcast.Scheme = (BroadcastScheme)(-1), C.UnknownEnumValue, "group_key_broadcast.scheme"),
        new("pne response epoch 0", B.PneGroupKeyResponse, e => e.PneGroupKeyResponse.Epoch = 0, C.OutOfRange, "pne_group_key_response.epoch"),
        new("pne response pne_id invalid", B.PneGroupKeyResponse, e => e.PneGroupKeyResponse.PneId = "pne\n1", C.InvalidIdentifier, "pne_group_key_response.pne_id"),

        // Group Key deletion
        new("delete epoch 0", B.GroupKeyDelete, e => e.GroupKeyDelete.Epoch = 0, C.OutOfRange, "group_key_delete.epoch"),
        new("delete reason unspecified", B.GroupKeyDelete, e => e.GroupKeyDelete.Reason = GroupKeyDeleteReason.Unspecified, C.MissingField, "group_key_delete.reason"),
        new("delete member left without pne", B.GroupKeyDelete, e => e.GroupKeyDelete.PneIds.Clear(), C.InvalidLength, "group_key_delete.pne_ids"),
        new("delete pne_ids duplicate", B.GroupKeyDelete, e => e.GroupKeyDelete.PneIds.Add("pne-a3"), C.Duplicate, "group_key_delete.pne_ids[1]"),
        new("delete response pne_id invalid", B.GroupKeyDeleteResponse, e => e.GroupKeyDeleteResponse.PneId = "pne a3", C.InvalidIdentifier, "group_key_delete_response.pne_id"),
        new("delete response status undefined", B.GroupKeyDeleteResponse, e => e.GroupKeyDeleteResponse.Status = (Status)16, C.UnknownEnumValue, "group_key_delete_response.status"),

        // Sync
        new("sync known epoch 0", B.SyncRequest, e => e.SyncRequest.Known[1].Epoch = 0, C.OutOfRange, "sync_request.known[1].epoch"),
        new("sync known duplicate", B.SyncRequest, e => e.SyncRequest.Known[1].GroupId = "group-1", C.Duplicate, "sync_request.known[1].group_id"),
        new("sync latest invalid", B.SyncResponse, e => e.SyncResponse.Latest[1].Epoch = 0, C.OutOfRange, "sync_response.latest[1].epoch"),
        new("sync latest duplicate group", B.SyncResponse, e => e.SyncResponse.Latest[1].GroupId = "group-1", C.Duplicate, "sync_response.latest[1].group_id"),
        new("sync latest member duplicate", B.SyncResponse, e => e.SyncResponse.Latest[0].MemberPneIds.Add("pne-a2"), C.Duplicate, "sync_response.latest[0].member_pne_ids[2]"),
        new("sync delete invalid", B.SyncResponse, e => e.SyncResponse.Deletes[0].Reason = (GroupKeyDeleteReason)9, C.UnknownEnumValue, "sync_response.deletes[0].reason"),

        // Inventory
        new("inventory pn_id missing", B.PnInventoryReport, e => e.PnInventoryReport.PnId = string.Empty, C.MissingField, "pn_inventory_report.pn_id"),
        new("inventory duplicate", B.PnInventoryReport, e => e.PnInventoryReport.Registered[1].PneId = "pne-a1", C.Duplicate, "pn_inventory_report.registered[1].pne_id"),
        new("inventory alias control char", B.PnInventoryReport, e => e.PnInventoryReport.Registered[0].Alias = "bad\u0007alias", C.InvalidText, "pn_inventory_report.registered[0].alias"),
        new("inventory alias bidi override", B.PnInventoryReport, e => e.PnInventoryReport.Registered[0].Alias = "txt.\u202Eexe", C.InvalidText, "pn_inventory_report.registered[0].alias"),
        new("inventory alias 65 chars", B.PnInventoryReport, e => e.PnInventoryReport.Registered[0].Alias = new string('x', 65), C.InvalidText, "pn_inventory_report.registered[0].alias"),
        new("inventory registered_at 0", B.PnInventoryReport, e => e.PnInventoryReport.Registered[1].RegisteredAtUnixMs = 0, C.OutOfRange, "pn_inventory_report.registered[1].registered_at_unix_ms"),
        new("inventory removed invalid", B.PnInventoryReport, e => e.PnInventoryReport.RemovedPneIds[0] = "x y", C.InvalidIdentifier, "pn_inventory_report.removed_pne_ids[0]"),
        new("inventory removed and registered", B.PnInventoryReport, e => e.PnInventoryReport.RemovedPneIds.Add("pne-a2"), C.Duplicate, "pn_inventory_report.removed_pne_ids[1]"),
        new("inventory ack status unspecified", B.PnInventoryAck, e => e.PnInventoryAck.Status = Status.Unspecified, C.MissingField, "pn_inventory_ack.status"),

        // Service Group operations
        new("create name missing", B.CreateServiceGroup, e => e.CreateServiceGroup.Name = string.Empty, C.MissingField, "create_service_group.name"),
        new("create name 65 chars", B.CreateServiceGroup, e => e.CreateServiceGroup.Name = new string('n', 65), C.InvalidText, "create_service_group.name"),
        new("create name line break", B.CreateServiceGroup, e => e.CreateServiceGroup.Name = "a\nb", C.InvalidText, "create_service_group.name"),
        new("create member duplicate", B.CreateServiceGroup, e => e.CreateServiceGroup.Members.Add(new MemberRef { GatewayId = "gw-a", PneId = "pne-a2" }), C.Duplicate, "create_service_group.members[3]"),
        new("create member gateway missing", B.CreateServiceGroup, e => e.CreateServiceGroup.Members[0].GatewayId = string.Empty, C.MissingField, "create_service_group.members[0].gateway_id"),
        new("create policy missing", B.CreateServiceGroup, e => e.CreateServiceGroup.Policy = null, C.MissingField, "create_service_group.policy"),
        new("create rotation 59 s", B.CreateServiceGroup, e => e.CreateServiceGroup.Policy.RotationIntervalSeconds = 59, C.OutOfRange, "create_service_group.policy.rotation_interval_seconds"),
        new("create rotation over a year", B.CreateServiceGroup, e => e.CreateServiceGroup.Policy.RotationIntervalSeconds = 31_536_001, C.OutOfRange, "create_service_group.policy.rotation_interval_seconds"),
        new("delete group id missing", B.DeleteServiceGroup, e => e.DeleteServiceGroup.GroupId = string.Empty, C.MissingField, "delete_service_group.group_id"),
        new("add member missing", B.AddMember, e => e.AddMember.Member = null, C.MissingField, "add_member.member"),
        new("add member pne invalid", B.AddMember, e => e.AddMember.Member.PneId = "a,b", C.InvalidIdentifier, "add_member.member.pne_id"),
        new("remove member group invalid", B.RemoveMember, e => e.RemoveMember.GroupId = TooLongId, C.InvalidIdentifier, "remove_member.group_id"),
        new("compromise member missing", B.CompromiseMember, e => e.CompromiseMember.Member = null, C.MissingField, "compromise_member.member"),
        new("rotate group id invalid", B.RotateGroupKey, e => e.RotateGroupKey.GroupId = "g#1", C.InvalidIdentifier, "rotate_group_key.group_id"),
        new("result OK epoch 0", B.ServiceGroupResult, e => e.ServiceGroupResult.Epoch = 0, C.OutOfRange, "service_group_result.epoch"),
        new("result OK group missing", B.ServiceGroupResult, e => e.ServiceGroupResult.GroupId = string.Empty, C.MissingField, "service_group_result.group_id"),
        new("result failure group invalid", B.ServiceGroupResult, e => { e.ServiceGroupResult.Status = Status.UnknownGroup; e.ServiceGroupResult.GroupId = "?"; }, C.InvalidIdentifier, "service_group_result.group_id"),
    }.ToDictionary(c => c.Name);

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void TryDecode_RuleBroken_FailsWithCodeAndField(string name)
    {
        var rule = Cases[name];
        var envelope = Samples.For(rule.Body);
        rule.Break(envelope);

        // ToByteArray, not Encode: Encode would refuse to write the broken message.
        var ok = EnvelopeCodec.TryDecode(envelope.ToByteArray(), out var decoded, out var error);

        Assert.False(ok);
        Assert.Null(decoded);
        Assert.Equal(rule.Code, error.Code);
        Assert.Equal(rule.Field, error.Field);
        Assert.NotEmpty(error.Message);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Validate_RuleBroken_SameErrorAsDecoder(string name)
    {
        var rule = Cases[name];
        var envelope = Samples.For(rule.Body);
        rule.Break(envelope);

        var error = Cpns.Protocol.Validation.EnvelopeValidator.Validate(envelope);

        Assert.NotNull(error);
        Assert.Equal(rule.Code, error.Value.Code);
        Assert.Equal(rule.Field, error.Value.Field);
    }

    [Fact]
    public void TryDecode_FailureResponsesWithoutPayload_Succeed()
    {
        // Refusals carry a status and no key material; they must decode.
        var pairing = Samples.For(B.EuKeyAssignmentResponse);
        pairing.EuKeyAssignmentResponse = new() { Status = Status.AuthenticationFailed };
        var complete = Samples.For(B.EuKeyAssignmentComplete);
        complete.EuKeyAssignmentComplete = new() { Status = Status.Rejected };
        var gkdk = Samples.For(B.GkdkAssignmentResponse);
        gkdk.GkdkAssignmentResponse = new() { Status = Status.CapacityExceeded };
        var result = Samples.For(B.ServiceGroupResult);
        result.ServiceGroupResult = new() { Status = Status.Duplicate };

        foreach (var envelope in new[] { pairing, complete, gkdk, result })
        {
            Assert.True(EnvelopeCodec.TryDecode(envelope.ToByteArray(), out _, out var error), error.ToString());
        }
    }

    [Fact]
    public void TryDecode_EdgeValuesInRange_Succeed()
    {
        var gkdk = Samples.For(B.GkdkAssignmentResponse);
        gkdk.GkdkAssignmentResponse.TreeHeight = 24;
        gkdk.GkdkAssignmentResponse.Leaf = (1u << 24) - 1;
        var smallest = Samples.For(B.GkdkAssignmentResponse);
        smallest.GkdkAssignmentResponse.TreeHeight = 1;
        smallest.GkdkAssignmentResponse.Leaf = 1;
        smallest.GkdkAssignmentResponse.WrappedGkdk = Samples.Bytes(28, 1);
        var deleteAll = Samples.For(B.GroupKeyDelete);
        deleteAll.GroupKeyDelete.Reason = GroupKeyDeleteReason.GroupDeleted;
        deleteAll.GroupKeyDelete.PneIds.Clear();
        var longId = Samples.For(B.RotateGroupKey);
        longId.SenderId = new string('Z', 128);
        longId.RotateGroupKey.GroupId = "A.b_c:d-0";
        var rotation = Samples.For(B.CreateServiceGroup);
        rotation.CreateServiceGroup.Policy.RotationIntervalSeconds = 60;
        rotation.CreateServiceGroup.Members.Clear();
        var emptyHeader = Samples.For(B.GroupKeyBroadcast);
        emptyHeader.GroupKeyBroadcast.Header = ByteString.Empty;
        var maxEpoch = Samples.For(B.GroupKeyResponse);
        maxEpoch.GroupKeyResponse.Epoch = ulong.MaxValue;
        var emptySync = Samples.For(B.SyncResponse);
        emptySync.SyncResponse = new();

        foreach (var envelope in new[] { gkdk, smallest, deleteAll, longId, rotation, emptyHeader, maxEpoch, emptySync })
        {
            Assert.True(EnvelopeCodec.TryDecode(envelope.ToByteArray(), out _, out var error), error.ToString());
        }
    }

    [Fact]
    public void IsResponse_EveryBodyCase_MatchesDocumentedResponses()
    {
        var responses = Samples.AllBodyCases.Where(Cpns.Protocol.Validation.EnvelopeValidator.IsResponse).ToHashSet();

        Assert.Equal(
            new HashSet<B>
            {
                B.EuKeyAssignmentResponse, B.EuKeyAssignmentConfirm, B.EuKeyAssignmentComplete, B.GkdkAssignmentResponse,
                B.GroupKeyResponse, B.PneGroupKeyResponse, B.GroupKeyDeleteResponse, B.SyncResponse, B.PnInventoryAck,
                B.ServiceGroupResult,
            },
            responses);
    }

    private sealed record Case(string Name, B Body, Action<Envelope> Break, C Code, string Field);
}
