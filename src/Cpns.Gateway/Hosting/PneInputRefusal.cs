namespace Cpns.Gateway.Hosting;

/// <summary>Why the gateway refused something a PNE or a pairing client sent; each is logged and counted.</summary>
public enum PneInputRefusal
{
    /// <summary>An empty payload.</summary>
    Empty = 1,

    /// <summary>Not a valid Envelope (EnvelopeCodec.TryDecode refused it; the log names the protocol error).</summary>
    MalformedEnvelope = 2,

    /// <summary>Not a valid GroupMessage (parse, ids, epoch, counter, size).</summary>
    MalformedGroupMessage = 3,

    /// <summary>The envelope's sender_id or the body's PNE id is not the PNE whose topic carried it.</summary>
    SenderMismatch = 4,

    /// <summary>No PNE with this id is registered in the PN.</summary>
    UnknownPne = 5,

    /// <summary>The PNE was removed from the PN.</summary>
    RemovedPne = 6,

    /// <summary>A message type the PNE may not send on this topic.</summary>
    UnexpectedBody = 7,

    /// <summary>A group message from a PNE that is not a member of the group at its latest epoch.</summary>
    NotAGroupMember = 8,

    /// <summary>A pairing message whose pairing id does not match its topic, or a confirm without a request.</summary>
    PairingMismatch = 9,

    /// <summary>The pairing service refused the request or confirmation (wrong code, expired, rate limited, ...).</summary>
    PairingRefused = 10,

    /// <summary>The GKDK Assignment Request was answered with a refusal (unknown or removed PNE, full tree).</summary>
    GkdkRefused = 11,

    /// <summary>Handling failed unexpectedly; the gateway goes on.</summary>
    InternalError = 12,
}
