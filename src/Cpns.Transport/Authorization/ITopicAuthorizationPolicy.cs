namespace Cpns.Transport;

/// <summary>
/// Decides which topics a broker peer may publish to and subscribe to. The broker calls it for every PUBLISH
/// and every SUBSCRIBE filter, after the peer's identity has been established from its certificate.
/// Ready-made policies: <see cref="TopicPolicies"/>.
/// </summary>
public interface ITopicAuthorizationPolicy
{
    /// <summary>Allows or denies one operation. Must be fast and thread-safe; must not throw.</summary>
    /// <param name="peer">The authenticated peer.</param>
    /// <param name="topic">The topic name (publish) or topic filter (subscribe), as the client sent it.</param>
    /// <param name="action">Publish or subscribe.</param>
    /// <returns>The decision.</returns>
    public TopicAuthorization Authorize(PeerIdentity peer, string topic, TopicAction action);
}
