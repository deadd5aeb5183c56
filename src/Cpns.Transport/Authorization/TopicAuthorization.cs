namespace Cpns.Transport;

/// <summary>The answer of an <see cref="ITopicAuthorizationPolicy"/>.</summary>
public readonly record struct TopicAuthorization
{
    private TopicAuthorization(bool allowed, string reason)
    {
        IsAllowed = allowed;
        Reason = reason;
    }

    /// <summary>Permission granted.</summary>
    public static TopicAuthorization Allow { get; } = new(true, string.Empty);

    /// <summary>Whether the operation may proceed.</summary>
    public bool IsAllowed { get; }

    /// <summary>Why it was refused (logged, counted, and sent to the client as the MQTT reason string); empty when allowed.</summary>
    public string Reason { get; }

    /// <summary>Refuses with a reason.</summary>
    /// <param name="reason">A short, stable reason without secrets, e.g. "not the gateway's own topic".</param>
    /// <returns>The refusal.</returns>
    public static TopicAuthorization Deny(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new TopicAuthorization(false, reason);
    }
}
