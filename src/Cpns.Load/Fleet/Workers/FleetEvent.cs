using System.Text.Json.Serialization;

namespace Cpns.Load.Fleet.Workers;

/// <summary>A line from a fleet worker to the bench process (its standard output): JSON, the <c>type</c> property first.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(HelloEvent), "hello")]
[JsonDerivedType(typeof(ProgressEvent), "progress")]
[JsonDerivedType(typeof(StoredEvent), "stored")]
[JsonDerivedType(typeof(GrownEvent), "grown")]
[JsonDerivedType(typeof(UsageEvent), "usage")]
[JsonDerivedType(typeof(FailedEvent), "failed")]
internal abstract record FleetEvent;
