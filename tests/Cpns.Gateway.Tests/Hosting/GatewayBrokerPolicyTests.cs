using System.Collections.Concurrent;
using Cpns.Gateway.Hosting;
using Cpns.Transport;

namespace Cpns.Gateway.Tests.Hosting;

public sealed class GatewayBrokerPolicyTests
{
    private const string PnId = "pn-1";
    private const string GatewayId = "gw-1";

    [Theory]
    [InlineData("cpns/v1/pn/pn-1/groups/g1", TopicAction.Publish)]
    [InlineData("cpns/v1/pn/pn-1/pne/watch/down", TopicAction.Publish)]
    [InlineData("cpns/v1/pn/pn-1/pne/watch/up", TopicAction.Subscribe)]
    [InlineData("cpns/v1/pn/pn-1/#", TopicAction.Subscribe)]
    public void Authorize_CertificateNamedAsTheGateway_DeniedWhatThePnBrokerAclGrantsThatName(string topic, TopicAction action)
    {
        var inner = TopicPolicies.PnBroker(PnId, GatewayId);
        var policy = new GatewayBrokerPolicy(inner, GatewayId, new ConcurrentDictionary<string, byte>());
        var peer = new PeerIdentity(PeerKind.Certificate, GatewayId);

        // The ACL beneath grants this name the whole PN: the gateway's policy is what takes it away.
        Assert.True(inner.Authorize(peer, topic, action).IsAllowed);
        var result = policy.Authorize(peer, topic, action);

        Assert.False(result.IsAllowed);
        Assert.Contains("gateway's own name", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Authorize_PnesAndRemovedPnes_OwnTopicsForTheOnesStillInThePnNothingForTheRemoved()
    {
        var removed = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal) { ["old"] = 0 };
        var policy = new GatewayBrokerPolicy(TopicPolicies.PnBroker(PnId, GatewayId), GatewayId, removed);

        Assert.True(policy.Authorize(new PeerIdentity(PeerKind.Certificate, "watch"), "cpns/v1/pn/pn-1/pne/watch/up", TopicAction.Publish).IsAllowed);
        Assert.True(policy.Authorize(new PeerIdentity(PeerKind.Certificate, "watch"), "cpns/v1/pn/pn-1/groups/g1", TopicAction.Subscribe).IsAllowed);
        Assert.False(policy.Authorize(new PeerIdentity(PeerKind.Certificate, "watch"), "cpns/v1/pn/pn-1/pne/other/up", TopicAction.Publish).IsAllowed);
        var gone = policy.Authorize(new PeerIdentity(PeerKind.Certificate, "old"), "cpns/v1/pn/pn-1/pne/old/up", TopicAction.Publish);
        Assert.False(gone.IsAllowed);
        Assert.Equal("PNE removed from the PN", gone.Reason);
    }
}
