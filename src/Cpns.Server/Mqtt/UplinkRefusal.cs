namespace Cpns.Server.Mqtt;

/// <summary>Why a gateway's message was refused: stable names, logged (event 2101) and used as the metric tag.</summary>
internal static class UplinkRefusal
{
    /// <summary>Published on a topic that is not a gateway uplink.</summary>
    public const string UnexpectedTopic = "unexpected_topic";

    /// <summary>Not a valid envelope (EnvelopeCodec refused it; the detail names the protocol error).</summary>
    public const string MalformedEnvelope = "malformed_envelope";

    /// <summary>The envelope's sender_id is not the gateway whose uplink carried it (the broker's ACL makes the topic trustworthy).</summary>
    public const string SenderMismatch = "sender_mismatch";

    /// <summary>A message id this instance has already processed from this gateway.</summary>
    public const string ReplayedMessageId = "replayed_message_id";

    /// <summary>The gateway has not enrolled (no per-gateway key).</summary>
    public const string UnknownGateway = "unknown_gateway";

    /// <summary>A body type a gateway does not send to the server.</summary>
    public const string UnexpectedMessage = "unexpected_message";

    /// <summary>A response whose correlation id is no message the server sent to this gateway.</summary>
    public const string UnknownCorrelation = "unknown_correlation";

    /// <summary>A response whose group, epoch or kind is not what the correlated message carried.</summary>
    public const string CorrelationMismatch = "correlation_mismatch";

    /// <summary>A response for a delivery already acknowledged (a duplicate response): ignored.</summary>
    public const string AlreadyAcknowledged = "already_acknowledged";

    /// <summary>A response for an epoch that is no longer pending for the gateway (superseded, or re-opened since).</summary>
    public const string NotPending = "not_pending";

    /// <summary>A delivery report for a (group, epoch) never delivered to the gateway.</summary>
    public const string UnknownDelivery = "unknown_delivery";

    /// <summary>An id the server cannot store (the server's ids exclude ':').</summary>
    public const string InvalidIdentifier = "invalid_identifier";
}
