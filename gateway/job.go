package gateway

import (
	"context"

	"github.com/weftlabs/weft/proto/gen/gatewaypb"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// CompleteJob completes a job, merging the given variables into its process instance.
func (s *Server) CompleteJob(ctx context.Context, req *gatewaypb.CompleteJobRequest) (*gatewaypb.CompleteJobResponse, error) {
	const action = "complete job"
	variables, err := variablesDocument(action, "variables", req.GetVariables())
	if err != nil {
		return nil, err
	}
	job := &recordpb.JobRecord{Variables: variables}
	if err := s.jobCommand(ctx, action, req.GetJobKey(), intentComplete, job); err != nil {
		return nil, err
	}
	return &gatewaypb.CompleteJobResponse{}, nil
}

// FailJob fails a job: with retries left it becomes activatable again after retryBackOff
// milliseconds; with none it raises an incident.
func (s *Server) FailJob(ctx context.Context, req *gatewaypb.FailJobRequest) (*gatewaypb.FailJobResponse, error) {
	const action = "fail job"
	if req.GetRetries() < 0 {
		return nil, invalidArgument("Expected to %s with retries zero or greater, but got %d", action, req.GetRetries())
	}
	if req.GetRetryBackOff() < 0 {
		return nil, invalidArgument("Expected to %s with retryBackOff zero or greater, but got %d", action, req.GetRetryBackOff())
	}
	variables, err := variablesDocument(action, "variables", req.GetVariables())
	if err != nil {
		return nil, err
	}
	job := &recordpb.JobRecord{
		Retries:      req.GetRetries(),
		ErrorMessage: req.GetErrorMessage(),
		RetryBackoff: req.GetRetryBackOff(),
		Variables:    variables,
	}
	if err := s.jobCommand(ctx, action, req.GetJobKey(), intentFail, job); err != nil {
		return nil, err
	}
	return &gatewaypb.FailJobResponse{}, nil
}

// ThrowError throws a BPMN error with the given code from a job's task.
func (s *Server) ThrowError(ctx context.Context, req *gatewaypb.ThrowErrorRequest) (*gatewaypb.ThrowErrorResponse, error) {
	const action = "throw error"
	variables, err := variablesDocument(action, "variables", req.GetVariables())
	if err != nil {
		return nil, err
	}
	job := &recordpb.JobRecord{
		ErrorCode:    req.GetErrorCode(),
		ErrorMessage: req.GetErrorMessage(),
		Variables:    variables,
	}
	if err := s.jobCommand(ctx, action, req.GetJobKey(), intentThrowError, job); err != nil {
		return nil, err
	}
	return &gatewaypb.ThrowErrorResponse{}, nil
}

// UpdateJobRetries sets a job's retries. Negative retries are refused here; zero is left
// to the engine to judge.
func (s *Server) UpdateJobRetries(ctx context.Context, req *gatewaypb.UpdateJobRetriesRequest) (*gatewaypb.UpdateJobRetriesResponse, error) {
	const action = "update retries of job"
	if req.GetRetries() < 0 {
		return nil, invalidArgument("Expected to %s with retries zero or greater, but got %d", action, req.GetRetries())
	}
	job := &recordpb.JobRecord{Retries: req.GetRetries()}
	if err := s.jobCommand(ctx, action, req.GetJobKey(), intentUpdateRetries, job); err != nil {
		return nil, err
	}
	return &gatewaypb.UpdateJobRetriesResponse{}, nil
}

// jobCommand sends a JOB command about the job with key jobKey to the job's partition.
func (s *Server) jobCommand(ctx context.Context, action string, jobKey int64, intent string, job *recordpb.JobRecord) error {
	partition, err := s.partitionOfKey(action, "jobKey", "job", jobKey)
	if err != nil {
		return err
	}
	cmd := newCommand(partition, recordpb.ValueType_JOB, intent, jobKey)
	cmd.Value = &recordpb.Record_Job{Job: job}
	_, err = s.execute(ctx, partition, cmd, recordpb.ValueType_JOB)
	return err
}
