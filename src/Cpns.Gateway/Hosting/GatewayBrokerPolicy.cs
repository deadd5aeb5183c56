using System.Collections.Concurrent;
using Cpns.Transport;

namespace Cpns.Gateway.Hosting;

/// <summary>
/// The PN broker's ACL: <see cref="TopicPolicies.PnBroker"/>, and nothing at all for a PNE removed from the PN
/// (its certificate stays valid, there is no revocation list; the Group Key update is what excludes it, this
/// only keeps it from subscribing and publishing anew).
/// </summary>
internal sealed class GatewayBrokerPolicy(ITopicAuthorizationPolicy inner, ConcurrentDictionary<string, byte> removed) : ITopicAuthorizationPolicy
{
    public TopicAuthorization Authorize(PeerIdentity peer, string topic, TopicAction action) =>
        peer.Kind == PeerKind.Certificate && removed.ContainsKey(peer.Id)
            ? TopicAuthorization.Deny("PNE removed from the PN")
            : inner.Authorize(peer, topic, action);
}
