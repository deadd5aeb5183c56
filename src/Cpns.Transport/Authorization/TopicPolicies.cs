namespace Cpns.Transport;

/// <summary>The ready-made ACLs of docs/architecture.md.</summary>
public static class TopicPolicies
{
    /// <summary>The CPNS Server's own client identity on its broker unless configured otherwise.</summary>
    public const string DefaultServerIdentity = "cpns-server";

    /// <summary>
    /// The server broker: the server identity may publish and subscribe anywhere under <c>cpns/v1/gw/#</c>;
    /// a gateway may publish only to <c>cpns/v1/gw/{own}/up</c> and <c>cpns/v1/relay/{group}/{own}</c>, and
    /// subscribe only to <c>cpns/v1/gw/{own}/down</c> and <c>cpns/v1/relay/{group|+}/{gateway|+}</c>.
    /// Pairing clients get nothing.
    /// </summary>
    /// <param name="serverIdentity">The CN of the server's client certificate.</param>
    /// <returns>The policy.</returns>
    public static ITopicAuthorizationPolicy ServerBroker(string serverIdentity = DefaultServerIdentity) =>
        new ServerBrokerPolicy(serverIdentity);

    /// <summary>
    /// The PN broker of one PN GW: the gateway identity may do anything under <c>cpns/v1/pn/{pnId}/#</c>; a PNE
    /// may subscribe to <c>.../groups/{group|+}</c>, <c>.../pne/{own}/down</c> and <c>.../messages/{group|+}</c>
    /// and publish only to <c>.../pne/{own}/up</c>; a pairing client may publish to <c>.../pairing/{own}/up</c>
    /// and subscribe to <c>.../pairing/{own}/down</c>.
    /// </summary>
    /// <param name="pnId">The PN this broker serves.</param>
    /// <param name="gatewayIdentity">The CN of the gateway's own client certificate on its broker.</param>
    /// <returns>The policy.</returns>
    public static ITopicAuthorizationPolicy PnBroker(string pnId, string gatewayIdentity) =>
        new PnBrokerPolicy(pnId, gatewayIdentity);
}
