using Cpns.Protocol.V1;
using static Cpns.Protocol.Validation.FieldRules;

namespace Cpns.Protocol.Validation;

/// <summary>
/// The semantic rules of every cpns.v1 message (docs/protocol.md, "Validation rules"). Each method
/// returns the first violation, with a path relative to the message it checks; callers prefix their
/// own field name, so paths are only built when something is wrong.
/// </summary>
/// <remarks>One partial file per flow, mirroring the proto files.</remarks>
internal static partial class EnvelopeValidator
{
    /// <summary>Checks an envelope and its body.</summary>
    public static ProtocolError? Validate(Envelope envelope)
    {
        // Version and suite first: a peer speaking another version gets told so, rather than being
        // told about a field its version may not have.
        if (envelope.Version != EnvelopeCodec.ProtocolVersion)
        {
            return new ProtocolError(ProtocolErrorCode.UnknownVersion, "version", $"must be {EnvelopeCodec.ProtocolVersion}");
        }

        if (!CipherSuites.IsSupported(envelope.Suite))
        {
            return new ProtocolError(ProtocolErrorCode.UnsupportedSuite, "suite", "is not a supported cipher suite");
        }

        if (RandomId(envelope.MessageId, "message_id") is { } idError)
        {
            return idError;
        }

        if (IsResponse(envelope.BodyCase) && envelope.CorrelationId.IsEmpty)
        {
            return new ProtocolError(ProtocolErrorCode.MissingField, "correlation_id", "is required on a response");
        }

        if (!envelope.CorrelationId.IsEmpty && RandomId(envelope.CorrelationId, "correlation_id") is { } correlationError)
        {
            return correlationError;
        }

        if ((UnixTime(envelope.SentAtUnixMs, "sent_at_unix_ms") ?? Identifier(envelope.SenderId, "sender_id")) is { } headerError)
        {
            return headerError;
        }

        if (envelope.BodyCase == Envelope.BodyOneofCase.None)
        {
            return new ProtocolError(ProtocolErrorCode.MissingBody, "body", "the envelope carries no message");
        }

        // BodyOneofCase values are the oneof's field numbers, so the descriptor names the body.
        var bodyName = Envelope.Descriptor.FindFieldByNumber((int)envelope.BodyCase).Name;
        return ValidateBody(envelope)?.Within(bodyName);
    }

    /// <summary>
    /// Whether a body answers a request, and so must carry the request's message_id as its
    /// correlation_id. The pairing confirm and complete answer the previous pairing step.
    /// </summary>
    public static bool IsResponse(Envelope.BodyOneofCase body) => body switch
    {
        Envelope.BodyOneofCase.EuKeyAssignmentResponse
            or Envelope.BodyOneofCase.EuKeyAssignmentConfirm
            or Envelope.BodyOneofCase.EuKeyAssignmentComplete
            or Envelope.BodyOneofCase.GkdkAssignmentResponse
            or Envelope.BodyOneofCase.GroupKeyResponse
            or Envelope.BodyOneofCase.PneGroupKeyResponse
            or Envelope.BodyOneofCase.GroupKeyDeleteResponse
            or Envelope.BodyOneofCase.SyncResponse
            or Envelope.BodyOneofCase.PnInventoryAck
            or Envelope.BodyOneofCase.ServiceGroupResult => true,
        _ => false,
    };

    private static ProtocolError? ValidateBody(Envelope envelope) => envelope.BodyCase switch
    {
        Envelope.BodyOneofCase.EuKeyAssignmentRequest => Validate(envelope.EuKeyAssignmentRequest),
        Envelope.BodyOneofCase.EuKeyAssignmentResponse => Validate(envelope.EuKeyAssignmentResponse),
        Envelope.BodyOneofCase.EuKeyAssignmentConfirm => Validate(envelope.EuKeyAssignmentConfirm),
        Envelope.BodyOneofCase.EuKeyAssignmentComplete => Validate(envelope.EuKeyAssignmentComplete),
        Envelope.BodyOneofCase.GkdkAssignmentRequest => Validate(envelope.GkdkAssignmentRequest),
        Envelope.BodyOneofCase.GkdkAssignmentResponse => Validate(envelope.GkdkAssignmentResponse),
        Envelope.BodyOneofCase.GroupKeyNotification => Validate(envelope.GroupKeyNotification),
        Envelope.BodyOneofCase.GroupKeyResponse => Validate(envelope.GroupKeyResponse),
        Envelope.BodyOneofCase.GroupKeyDeliveryReport => Validate(envelope.GroupKeyDeliveryReport),
        Envelope.BodyOneofCase.GroupKeyBroadcast => Validate(envelope.GroupKeyBroadcast),
        Envelope.BodyOneofCase.PneGroupKeyResponse => Validate(envelope.PneGroupKeyResponse),
        Envelope.BodyOneofCase.GroupKeyDelete => Validate(envelope.GroupKeyDelete),
        Envelope.BodyOneofCase.GroupKeyDeleteResponse => Validate(envelope.GroupKeyDeleteResponse),
        Envelope.BodyOneofCase.SyncRequest => Validate(envelope.SyncRequest),
        Envelope.BodyOneofCase.SyncResponse => Validate(envelope.SyncResponse),
        Envelope.BodyOneofCase.PnInventoryReport => Validate(envelope.PnInventoryReport),
        Envelope.BodyOneofCase.PnInventoryAck => Validate(envelope.PnInventoryAck),
        Envelope.BodyOneofCase.CreateServiceGroup => Validate(envelope.CreateServiceGroup),
        Envelope.BodyOneofCase.DeleteServiceGroup => Validate(envelope.DeleteServiceGroup),
        Envelope.BodyOneofCase.AddMember => Validate(envelope.AddMember),
        Envelope.BodyOneofCase.RemoveMember => Validate(envelope.RemoveMember),
        Envelope.BodyOneofCase.CompromiseMember => Validate(envelope.CompromiseMember),
        Envelope.BodyOneofCase.RotateGroupKey => Validate(envelope.RotateGroupKey),
        Envelope.BodyOneofCase.ServiceGroupResult => Validate(envelope.ServiceGroupResult),

        // Unreachable while every oneof case is listed above; a test enumerates the oneof to keep it so.
        _ => new ProtocolError(ProtocolErrorCode.MissingBody, string.Empty, "body type has no validation rules"),
    };
}
