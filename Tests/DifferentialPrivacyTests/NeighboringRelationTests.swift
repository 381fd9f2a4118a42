import DifferentialPrivacy
import Testing

@Suite struct NeighboringRelationTests {
  @Test func sensitivityFollowsTheRelation() {
    #expect(NeighboringRelation.addOrRemoveOne.l2Sensitivity(clipBound: 1.5) == 1.5)
    #expect(NeighboringRelation.replaceOne.l2Sensitivity(clipBound: 1.5) == 3.0)
  }

  @Test func everyRelationSaysWhatItProtects() {
    for relation in NeighboringRelation.allCases {
      #expect(relation.protectionDescription.contains("one client"))
    }
  }
}
