using Cpns.Load.Fleet;

namespace Cpns.Load.Tests.Fleet;

public sealed class FleetSizingTests
{
    [Theory]
    [InlineData(20, 4, 1)]      // the soak
    [InlineData(1750, 1, 1)]    // 14,000 descriptors, 1,750 PNEs
    [InlineData(1900, 1, 2)]    // 15,200 descriptors: over the share of one process
    [InlineData(600, 5, 2)]     // 9,600 descriptors, but 3,000 PNEs: over one process's PNEs
    [InlineData(1000, 10, 4)]   // the target: 26,000 descriptors would need 2, its 10,000 PNEs need 4
    [InlineData(1, 1, 1)]
    public void Processes_FanOutAndSustained_EnoughForTheDescriptorsAndThePnes(int gateways, int pnes, int expected)
    {
        var settings = new LoadSettings { Scenarios = [LoadScenario.FanOut, LoadScenario.Sustained], Gateways = gateways, PnesPerGateway = pnes };

        Assert.Equal(expected, FleetSizing.Processes(settings));
    }

    [Fact]
    public void Processes_Growth_SizedByItsLastStep()
    {
        // 100, 200, ..., 3,200 gateways x 1 PNE: 25,600 descriptors at the last step; 3,000 stops at 1,600 (12,800).
        Assert.Equal(2, FleetSizing.Processes(new LoadSettings { Scenarios = [LoadScenario.Growth], GrowthStart = 100, GrowthMax = 3200, GrowthPnesPerGateway = 1 }));
        Assert.Equal(1, FleetSizing.Processes(new LoadSettings { Scenarios = [LoadScenario.Growth], GrowthStart = 100, GrowthMax = 3000, GrowthPnesPerGateway = 1 }));
    }
}
