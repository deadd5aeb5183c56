using System.Collections.Concurrent;
using Cpns.Transport;

namespace Cpns.Gateway.Hosting;

/// <summary>
/// The PN broker's ACL: <see cref="TopicPolicies.PnBroker"/>, and nothing at all for a PNE removed from the PN
/// (its certificate stays valid, there is no revocation list; the Group Key update is what excludes it, this
/// only keeps it from subscribing and publishing anew), nor for a certificate named as the gateway: the gateway takes
/// and sends its messages inside the broker, so no client is the gateway, and pairing refuses that name.
/// </summary>
internal sealed class GatewayBrokerPolicy(ITopicAuthorizationPolicy inner, string gatewayId, ConcurrentDictionary<string, byte> removed) : ITopicAuthorizationPolicy
{
    public TopicAuthorization Authorize(PeerIdentity peer, string topic, TopicAction action)
    {
        if (peer.Kind == PeerKind.Certificate)
        {
            if (string.Equals(peer.Id, gatewayId, StringComparison.Ordinal))
            {
                return TopicAuthorization.Deny("the gateway's own name: no client holds it");
            }

            if (removed.ContainsKey(peer.Id))
            {
                return TopicAuthorization.Deny("PNE removed from the PN");
            }
        }

        return inner.Authorize(peer, topic, action);
    }
}
