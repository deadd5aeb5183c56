using Cpns.Device.Client;
using Cpns.Gateway;

namespace Cpns.Pn.Tests;

public sealed class AssociatedDataTests
{
    [Theory]
    [InlineData("pn-1", "pne-a", 0)]
    [InlineData("pn-alice", "kitchen.speaker:2", 65535)]
    public void GkdkToPne_DeviceAndGateway_BuildTheSameBytes(string pnId, string pneId, int leaf) =>
        Assert.Equal(EndToEndAssociatedData.GkdkToPne(pnId, pneId, leaf), GkdkAssociatedData.For(pnId, pneId, (uint)leaf));
}
