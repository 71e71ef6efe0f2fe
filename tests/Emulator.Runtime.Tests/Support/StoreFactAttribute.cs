using Xunit.Abstractions;
using Xunit.Sdk;

namespace Emulator.Runtime.Tests.Support;

/// <summary>
/// A contract fact: written once in an abstract suite and run by every store's test class. An attribute on a base
/// method cannot know which store runs it, so the decision to skip (no PostgreSQL server configured) is made at
/// discovery, from the concrete class: see <see cref="RequiresPostgresAttribute"/>.
/// </summary>
[XunitTestCaseDiscoverer("Emulator.Runtime.Tests.Support.StoreFactDiscoverer", "Emulator.Runtime.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class StoreFactAttribute : FactAttribute;

/// <summary>Discovers <see cref="StoreFactAttribute"/> facts, skipping them when their class's store is not available.</summary>
public sealed class StoreFactDiscoverer(IMessageSink diagnosticMessageSink) : FactDiscoverer(diagnosticMessageSink)
{
    protected override IXunitTestCase CreateTestCase(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        var testClass = testMethod.TestClass.Class.ToRuntimeType();
        if (testClass.IsDefined(typeof(RequiresPostgresAttribute), inherit: true) && PostgresTestEnvironment.SkipReason is { } reason)
        {
            return new XunitSkippedDataRowTestCase(
                DiagnosticMessageSink,
                discoveryOptions.MethodDisplayOrDefault(),
                discoveryOptions.MethodDisplayOptionsOrDefault(),
                testMethod,
                reason);
        }
        return base.CreateTestCase(discoveryOptions, testMethod, factAttribute);
    }
}
