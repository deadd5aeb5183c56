namespace Cpns.Device.Client;

/// <summary>Why the PNE refused something it received; each is logged and counted, and the client goes on.</summary>
public enum DeviceInputRefusal
{
    /// <summary>An empty payload where one was expected.</summary>
    Empty = 1,

    /// <summary>Not a valid Envelope (the log names the protocol error).</summary>
    MalformedEnvelope = 2,

    /// <summary>The envelope's sender is not the PN GW this PNE is paired with.</summary>
    WrongSender = 3,

    /// <summary>A message type not expected on this topic.</summary>
    UnexpectedBody = 4,

    /// <summary>The body names another group, PNE or PN than its topic.</summary>
    TopicMismatch = 5,

    /// <summary>A GKDK Assignment Response with a refusal status, or whose GKDK does not open under the EU-Key.</summary>
    GkdkRefused = 6,

    /// <summary>A Group Key broadcast the PNE could not store (not a recipient, rollback, tampered, malformed); it is still answered.</summary>
    GroupKeyNotStored = 7,

    /// <summary>A group message that did not open (replay, unknown group, deleted or superseded epoch, tampered, malformed).</summary>
    GroupMessageRefused = 8,

    /// <summary>Handling failed unexpectedly; the client goes on.</summary>
    InternalError = 9,
}
