import { describe, expect, it } from 'vitest'
import { describeDuplicate, findDuplicateScenarioNames } from './duplicate-names.ts'
import { makeSummary } from './test-fixtures.ts'

describe('findDuplicateScenarioNames', () => {
  it('names both files of a scenario name used twice', () => {
    const summaries = [
      makeSummary({ scenario: 'checkout', file: 'scenarios/a.scenario.yaml', id: 'main' }),
      makeSummary({ scenario: 'checkout', file: 'scenarios/b.scenario.yaml', id: 'main' }),
      makeSummary({ scenario: 'other', file: 'scenarios/c.scenario.yaml', id: 'main' }),
    ]
    const found = findDuplicateScenarioNames(summaries)
    expect(found).toEqual([{ name: 'checkout', files: ['scenarios/a.scenario.yaml', 'scenarios/b.scenario.yaml'] }])
    expect(describeDuplicate(found[0]!)).toMatch(/same name "checkout": scenarios\/a\.scenario\.yaml, scenarios\/b\.scenario\.yaml/)
  })

  it('lets the parts of one suite share their name, but not a part beside a plain file or two copies of one part', () => {
    const part = (file: string, value: string | undefined) => makeSummary({ scenario: 'big', file, ...(value === undefined ? {} : { part: value }) })
    expect(findDuplicateScenarioNames([part('p1.scenario.yaml', '1/2'), part('p2.scenario.yaml', '2/2')])).toEqual([])
    expect(findDuplicateScenarioNames([part('p1.scenario.yaml', '1/2'), part('plain.scenario.yaml', undefined)])).toHaveLength(1)
    expect(findDuplicateScenarioNames([part('p1.scenario.yaml', '1/2'), part('copy.scenario.yaml', '1/2')])).toHaveLength(1)
    expect(findDuplicateScenarioNames([part('p1.scenario.yaml', '1/2'), part('p3.scenario.yaml', '2/3')])).toHaveLength(1)
  })
})
