export { cassetteFileSchema, entryKey, isCassetteFileError, mergeIntoCassette, readCassette, CassetteFileError, type CassetteEntry, type CassetteFile, type CassetteResponse, type RecordedAnswer } from './cassette-file.ts'
export { cassetteRequest, describeCassetteRequest, requestKey, type CassetteRequest } from './request-key.ts'
export { isCredentialHeader, scrubHeaders, scrubText, secretValuesOf } from './scrub-secrets.ts'
export { answersFromCassette, cassetteModeOf, rerecordCommand, TaskCassette, type CassetteAnswer, type CassetteMode, type CassetteOptions } from './task-cassette.ts'
