namespace Cpns.Transport.Tests;

public sealed class TopicPoliciesTests
{
    private static readonly ITopicAuthorizationPolicy Server = TopicPolicies.ServerBroker("cpns-server");
    private static readonly ITopicAuthorizationPolicy Pn = TopicPolicies.PnBroker("pn1", "gw-1");

    private static PeerIdentity Cert(string id) => new(PeerKind.Certificate, id);

    private static PeerIdentity Pairing(string id) => new(PeerKind.Pairing, id);

    [Theory]
    [InlineData("cpns/v1/gw/gw-1/up", TopicAction.Publish, true)]
    [InlineData("cpns/v1/relay/g1/gw-1", TopicAction.Publish, true)]
    [InlineData("cpns/v1/gw/gw-1/down", TopicAction.Subscribe, true)]
    [InlineData("cpns/v1/relay/+/+", TopicAction.Subscribe, true)]
    [InlineData("cpns/v1/relay/g1/+", TopicAction.Subscribe, true)]
    [InlineData("cpns/v1/gw/gw-2/up", TopicAction.Publish, false)]
    [InlineData("cpns/v1/gw/gw-1/down", TopicAction.Publish, false)]
    [InlineData("cpns/v1/relay/g1/gw-2", TopicAction.Publish, false)]
    [InlineData("cpns/v1/gw/gw-2/down", TopicAction.Subscribe, false)]
    [InlineData("cpns/v1/gw/+/down", TopicAction.Subscribe, false)]
    [InlineData("cpns/v1/gw/gw-1/up", TopicAction.Subscribe, false)]
    [InlineData("cpns/v1/relay/#", TopicAction.Subscribe, false)]
    [InlineData("#", TopicAction.Subscribe, false)]
    [InlineData("$share/x/cpns/v1/gw/gw-1/down", TopicAction.Subscribe, false)]
    [InlineData("cpns/v1/gw/gw-1/up/extra", TopicAction.Publish, false)]
    public void ServerBroker_Gateway_OnlyOwnTopics(string topic, TopicAction action, bool allowed)
    {
        Assert.Equal(allowed, Server.Authorize(Cert("gw-1"), topic, action).IsAllowed);
    }

    [Theory]
    [InlineData("cpns/v1/gw/#", TopicAction.Subscribe, true)]
    [InlineData("cpns/v1/gw/+/up", TopicAction.Subscribe, true)]
    [InlineData("cpns/v1/gw/gw-9/down", TopicAction.Publish, true)]
    [InlineData("cpns/v1/gw/+/down", TopicAction.Publish, false)]
    [InlineData("cpns/v1/relay/+/+", TopicAction.Subscribe, false)]
    [InlineData("#", TopicAction.Subscribe, false)]
    public void ServerBroker_Server_EverythingUnderGw(string topic, TopicAction action, bool allowed)
    {
        Assert.Equal(allowed, Server.Authorize(Cert("cpns-server"), topic, action).IsAllowed);
    }

    [Fact]
    public void ServerBroker_PairingPeerNamedLikeServer_Denied()
    {
        var decision = Server.Authorize(Pairing("cpns-server"), "cpns/v1/gw/gw-1/down", TopicAction.Publish);

        Assert.False(decision.IsAllowed);
        Assert.NotEmpty(decision.Reason);
    }

    [Theory]
    [InlineData("cpns/v1/pn/pn1/groups/+", TopicAction.Subscribe, true)]
    [InlineData("cpns/v1/pn/pn1/groups/g1", TopicAction.Subscribe, true)]
    [InlineData("cpns/v1/pn/pn1/pne/w1/down", TopicAction.Subscribe, true)]
    [InlineData("cpns/v1/pn/pn1/messages/+", TopicAction.Subscribe, true)]
    [InlineData("cpns/v1/pn/pn1/pne/w1/up", TopicAction.Publish, true)]
    [InlineData("cpns/v1/pn/pn1/groups/g1", TopicAction.Publish, false)]
    [InlineData("cpns/v1/pn/pn1/messages/g1", TopicAction.Publish, false)]
    [InlineData("cpns/v1/pn/pn1/pne/w2/up", TopicAction.Publish, false)]
    [InlineData("cpns/v1/pn/pn1/pne/w2/down", TopicAction.Subscribe, false)]
    [InlineData("cpns/v1/pn/pn1/pne/+/down", TopicAction.Subscribe, false)]
    [InlineData("cpns/v1/pn/pn1/pne/w1/up", TopicAction.Subscribe, false)]
    [InlineData("cpns/v1/pn/pn2/groups/+", TopicAction.Subscribe, false)]
    [InlineData("cpns/v1/pn/pn1/#", TopicAction.Subscribe, false)]
    [InlineData("cpns/v1/pn/pn1/pairing/w1/up", TopicAction.Publish, false)]
    public void PnBroker_Pne_OwnTopicsAndBroadcasts(string topic, TopicAction action, bool allowed)
    {
        Assert.Equal(allowed, Pn.Authorize(Cert("w1"), topic, action).IsAllowed);
    }

    [Theory]
    [InlineData("cpns/v1/pn/pn1/#", TopicAction.Subscribe, true)]
    [InlineData("cpns/v1/pn/pn1/pne/+/up", TopicAction.Subscribe, true)]
    [InlineData("cpns/v1/pn/pn1/groups/g1", TopicAction.Publish, true)]
    [InlineData("cpns/v1/pn/pn1/pairing/p1/down", TopicAction.Publish, true)]
    [InlineData("cpns/v1/pn/pn2/groups/g1", TopicAction.Publish, false)]
    [InlineData("cpns/v1/pn/pn1/groups/+", TopicAction.Publish, false)]
    public void PnBroker_Gateway_EverythingInItsPn(string topic, TopicAction action, bool allowed)
    {
        Assert.Equal(allowed, Pn.Authorize(Cert("gw-1"), topic, action).IsAllowed);
    }

    [Theory]
    [InlineData("cpns/v1/pn/pn1/pairing/p1/up", TopicAction.Publish, true)]
    [InlineData("cpns/v1/pn/pn1/pairing/p1/down", TopicAction.Subscribe, true)]
    [InlineData("cpns/v1/pn/pn1/pairing/p2/down", TopicAction.Subscribe, false)]
    [InlineData("cpns/v1/pn/pn1/pairing/+/down", TopicAction.Subscribe, false)]
    [InlineData("cpns/v1/pn/pn1/groups/+", TopicAction.Subscribe, false)]
    [InlineData("cpns/v1/pn/pn1/pne/p1/up", TopicAction.Publish, false)]
    public void PnBroker_PairingPeer_OnlyItsPairingTopics(string topic, TopicAction action, bool allowed)
    {
        Assert.Equal(allowed, Pn.Authorize(Pairing("p1"), topic, action).IsAllowed);
    }

    [Fact]
    public void PnBroker_PairingPeerNamedLikeGateway_GetsNoGatewayRights()
    {
        Assert.False(Pn.Authorize(Pairing("gw-1"), "cpns/v1/pn/pn1/groups/g1", TopicAction.Publish).IsAllowed);
    }
}
